"""The UI language: Simplified Chinese unless the user chose English with the switch (a cookie).

Django's LocaleMiddleware would follow the browser's Accept-Language, so a browser set to English (headless
Chromium's default) would get English pages nobody chose; the bureau's staff work in Chinese by default."""
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin


def language_for(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


class LanguageMiddleware(MiddlewareMixin):
    def process_request(self, request):
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
