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
        remember_choice(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def remember_choice(request) -> None:
    """A signed-in user's explicit choice (the switch's cookie) is kept on their profile, so what is sent to them
    when they are not looking (notifications) is in the language they read. One UPDATE when it changes."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    user = getattr(request, "user", None)
    if not chosen or chosen not in dict(settings.LANGUAGES) or not getattr(user, "is_authenticated", False):
        return
    profile = getattr(user, "qm_profile", None) if hasattr(user, "qm_profile") else None
    if profile is not None and profile.language != chosen:
        type(profile).objects.filter(pk=profile.pk).update(language=chosen)
        profile.language = chosen


def user_language(user) -> str:
    """The language to write to `user` in when they are not looking: their last choice, else QM_LANGUAGE."""
    profile = getattr(user, "qm_profile", None) if hasattr(user, "qm_profile") else None
    return (profile.language if profile is not None and profile.language else None) or settings.QM_LANGUAGE
