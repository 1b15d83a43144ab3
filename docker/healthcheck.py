"""Container health: GET /healthz/ on the local gunicorn (port PORT, 8000 unless set), as one of the
configured hosts."""

import os
import sys
import urllib.request

port = os.environ.get("PORT") or "8000"
host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/healthz/", headers={"Host": "localhost" if host == "*" else host}
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed local URL)
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
