"""Fapiao Desk settings. Every value comes from the environment (README: Configuration)."""

from datetime import timedelta
from pathlib import Path

from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env, local_secret_key, require_named_hosts, require_strong_secret_key
from sandbox import Limits

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DEBUG = env.boolean("DEBUG", default=False)
# The embedded mode (`make run`): one machine, SQLite, no Redis; scripts/run-embedded sets it and starts
# the background worker. It keeps a generated key beside its data and answers on the loopback only.
EMBEDDED = env.boolean("EMBEDDED", default=False)
DATA_DIR = env.path("DATA_DIR", default=BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.text("SECRET_KEY")
if SECRET_KEY is None:
    if not (DEBUG or EMBEDDED):
        raise ImproperlyConfigured("SECRET_KEY: required when DEBUG is off")
    SECRET_KEY = local_secret_key(DATA_DIR)

ALLOWED_HOSTS = env.comma_list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not (DEBUG or EMBEDDED):
        raise ImproperlyConfigured("ALLOWED_HOSTS: required when DEBUG is off")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
if not DEBUG:
    require_strong_secret_key(SECRET_KEY)
    require_named_hosts(ALLOWED_HOSTS)
CSRF_TRUSTED_ORIGINS = env.comma_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "accounts",
    "invoices",
    "ingest",
    "reconcile",
    "monitor",
    "dashboard",
]

MIDDLEWARE = [
    "accounts.middleware.UntrustedForwardingMiddleware",  # before anything reads X-Forwarded-*
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",  # a temporary password: change it first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.current_company",
                "monitor.context_processors.alert_bell",
            ],
        },
    },
]

# Database: PostgreSQL in production and tests, an SQLite file under DATA_DIR by default.
DATABASES = {"default": env.database("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'fapiao.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    SILENCED_SYSTEM_CHECKS = ["models.W040"]  # the covering indexes are PostgreSQL's; SQLite skips them
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache and Celery broker. Without it tasks go to a queue of files under DATA_DIR in the
# embedded mode, and run in-process otherwise (a shell, a one-off command).
REDIS_URL = env.redis("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fapiao",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# OCR for scans: RapidOCR (its models ship in the wheel), tesseract, or off.
OCR_ENGINE = env.choice("OCR_ENGINE", "rapidocr", ["rapidocr", "tesseract", "off"])


def parser_limits(kind: str, *, memory_mb: int, cpu_seconds: int, timeout: int) -> Limits:
    """PARSER_<KIND>_MEMORY_MB (address space), _CPU_SECONDS and _TIMEOUT_SECONDS (wall clock)."""
    name = f"PARSER_{kind.upper()}"
    return Limits.of(
        memory_mb=env.integer(f"{name}_MEMORY_MB", memory_mb, 256, 1_048_576),
        cpu_seconds=env.integer(f"{name}_CPU_SECONDS", cpu_seconds, 1, 86_400),
        timeout=env.integer(f"{name}_TIMEOUT_SECONDS", timeout, 1, 86_400),
    )


# Every parser of uploaded bytes runs in a child process within these limits (sandbox/); a file
# that breaks them is refused. Measured peaks of address space: a 100,000-row XLSX export 0.5 GB,
# a 1,000,000-row CSV 3.1 GB; a page read by RapidOCR 0.85 GB; a preview of the largest page
# 0.7 GB; a child starts at 0.3 GB with its libraries loaded. Times fit inside the task limits.
PARSER_LIMITS = {
    "spreadsheet": parser_limits("spreadsheet", memory_mb=6144, cpu_seconds=480, timeout=500),
    "capture": parser_limits("capture", memory_mb=3072, cpu_seconds=180, timeout=220),
    "archive": parser_limits("archive", memory_mb=2048, cpu_seconds=60, timeout=120),
    "preview": parser_limits("preview", memory_mb=1536, cpu_seconds=30, timeout=60),
}

# The watch (monitor/watch.py): when the VAT return is due, how early to warn, when bureau data is stale.
FILING_DEADLINE_DAY = env.integer("FILING_DEADLINE_DAY", 15, 1, 28)
FILING_DEADLINES = env.month_dates("FILING_DEADLINES")  # months whose deadline holidays moved
DEADLINE_WARNING_DAYS = env.integer("DEADLINE_WARNING_DAYS", 5, 0, 28)
STALE_IMPORT_DAYS = env.integer("STALE_IMPORT_DAYS", 7, 1, 365)

# Backup snapshots (monitor/backups.py): where they go (a mounted volume or network disk) and how
# many of each are kept.
BACKUP_DIR = env.path("BACKUP_DIR", default=DATA_DIR / "backups")
BACKUP_KEY = env.text("BACKUP_KEY", "")  # 32 bytes in base64: snapshots are sealed with AES-256-GCM
BACKUP_RETENTION = {
    "daily": env.integer("BACKUP_KEEP_DAILY", 7, 1, 366),
    "weekly": env.integer("BACKUP_KEEP_WEEKLY", 4, 0, 104),
    "monthly": env.integer("BACKUP_KEEP_MONTHLY", 12, 0, 120),
}

CELERY_BROKER_URL = REDIS_URL or ("filesystem://localhost/" if EMBEDDED else "memory://")
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or EMBEDDED)
CELERY_TASK_EAGER_PROPAGATES = True

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
DATA_UPLOAD_MAX_NUMBER_FILES = 500
# Uploads go to temporary files in 64 KiB chunks and are refused once past their view's limit,
# without reading the rest (config/uploads.py): (largest file, largest request) in bytes.
FILE_UPLOAD_HANDLERS = ["config.uploads.LimitedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # no upload is kept in memory, however small
# On the data disk, owner-only: /tmp may be a RAM disk, and the uploads are a company's invoices.
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "uploading"
FILE_UPLOAD_TEMP_DIR.mkdir(mode=0o700, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the form fields besides the files
UPLOAD_LIMITS = {
    "capture": (50 * 1024 * 1024, 500 * 1024 * 1024),  # invoice files, up to 500 at a time
    "ledger": (50 * 1024 * 1024, 50 * 1024 * 1024),  # a ledger spreadsheet
    "bureau": (400 * 1024 * 1024, 400 * 1024 * 1024),  # a year of the bureau's export
    "other": (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_MEMORY_SIZE),  # pages that take no file
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: five failures for one username from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_CODE = env.choice("LANGUAGE_CODE", "zh-hans", [code for code, _name in LANGUAGES])
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.timezone("TIME_ZONE", "Asia/Shanghai")
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail: EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER and the rest.
globals().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "Fapiao Desk <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS: on by default whenever DEBUG is off.
HTTPS = env.boolean("HTTPS", default=not (DEBUG or EMBEDDED))
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a reverse proxy that terminates TLS and appends the client to X-Forwarded-For. Only the
# proxies named in TRUSTED_PROXIES are believed (accounts/client_ip.py): a client that reaches the app
# directly and sends its own X-Forwarded-For is counted by its own address.
BEHIND_PROXY = env.boolean("BEHIND_PROXY", default=False)
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES")
if BEHIND_PROXY:
    if not TRUSTED_PROXIES:
        raise ImproperlyConfigured(
            "TRUSTED_PROXIES: required with BEHIND_PROXY; name the reverse proxy's addresses (README)"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "accounts.schema.CompanyAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "accounts.api_errors.api_exception_handler",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=365),
    "AUTO_REFRESH": False,
    "TOKEN_PREFIX": "fd_",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fapiao Desk API",
    "DESCRIPTION": _(
        "Invoice ledger, capture and reconciliation. Name the company with the X-Company header "
        "(its taxpayer ID); it may be left out when you belong to one company."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DirectionEnum": "invoices.models.Direction",
        "InvoiceKindEnum": "invoices.models.KIND_CHOICES",
        "InvoiceStatusEnum": "invoices.models.Status",
        "RoleEnum": "accounts.roles.Role",
    },
}

# Celery: JSON only, acknowledge after the work is done, bounded tasks, recycled children.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 1_600_000  # KiB; RapidOCR alone peaks near 1.1 GB
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    QUEUE_DIR = DATA_DIR / "queue"
    for folder in ("messages", "control"):
        (QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(QUEUE_DIR / "messages"),
        "data_folder_out": str(QUEUE_DIR / "messages"),
        "control_folder": str(QUEUE_DIR / "control"),
        "polling_interval": 0.5,
    }
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
    "loggers": {"axes": {"level": "WARNING"}},
}
