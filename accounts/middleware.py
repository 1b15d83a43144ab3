from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from accounts.client_ip import from_trusted_proxy

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


class UntrustedForwardingMiddleware:
    """X-Forwarded-Proto, -Host and -Port are the proxy's word about the original request: from a
    client that reached the app directly they are dropped, so it cannot claim HTTPS (and skip the
    redirect to it) or name another host. First in MIDDLEWARE, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class LanguageMiddleware:
    """Pages speak Simplified Chinese unless the user switched to English (the language cookie).
    The API also honours Accept-Language, which is how an integrator asks for English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    @staticmethod
    def language_for(request) -> str:
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in supported:
            return chosen
        if request.path_info.startswith("/api/"):
            return translation.get_language_from_request(request)
        return settings.LANGUAGE_CODE


class PasswordChangeRequiredMiddleware:
    """A person signed in with a temporary password (an admin reset it) is sent to the password
    page from every other page until she has chosen her own; the API refuses her session with a
    403 that says so. After AuthenticationMiddleware."""

    ALLOWED = {"password_change", "logout", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return self.get_response(request)
        try:
            url_name = resolve(request.path_info).url_name
        except Resolver404:
            url_name = None
        if url_name in self.ALLOWED:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            message = _("Your password was reset by an admin: choose your own password first.")
            return JsonResponse({"detail": str(message), "code": "password_change_required"}, status=403)
        return redirect("password_change")
