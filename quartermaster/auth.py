"""Sign-in protection shared by the login page and the API token endpoint: after QM_LOGIN_MAX_FAILURES failed
attempts for one username within QM_LOGIN_LOCKOUT_MINUTES, that username is refused (even with the right password)
until the window has passed; a successful sign-in clears its failures.

Failures are rows in the database, so every worker process counts the same attempts. The count is per username, so
an attacker cannot spread guesses over processes or addresses; the price is that someone who knows a username can
keep it locked out, which an administrator sees (and clears) in the admin's 登录失败 list.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LoginFailure


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.QM_LOGIN_LOCKOUT_MINUTES)


def locked_until(username: str | None) -> dt.datetime | None:
    """When the lockout of `username` ends, or None when it may try."""
    limit = settings.QM_LOGIN_MAX_FAILURES
    if not username or limit <= 0:
        return None
    recent = LoginFailure.objects.filter(username=username, at__gte=timezone.now() - _window())
    times = list(recent.order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) < limit:
        return None
    return times[-1] + _window()


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LockoutModelBackend(ModelBackend):
    """Django's username/password check behind the lockout; every failure is counted, a success clears them."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username or kwargs.get(self._username_field())
        if locked_until(username) is not None:
            raise PermissionDenied("too many failed sign-ins")  # authenticate() then refuses at once
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if username:
            if user is None:
                LoginFailure.objects.create(username=username[:150], ip=_client_ip(request))
            else:
                LoginFailure.objects.filter(username=username).delete()
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


LOCKED_MESSAGE = _("登录失败次数过多，该账号已被暂时锁定，请于 %(minutes)d 分钟后再试。")


def lockout_minutes_left(until: dt.datetime) -> int:
    return max(1, int((until - timezone.now()).total_seconds() // 60) + 1)


class LockoutAuthenticationForm(AuthenticationForm):
    """The login page's form: a locked username gets the lockout message instead of the wrong-password one."""

    locked_message = ""

    def clean(self):
        until = locked_until(self.cleaned_data.get("username"))
        if until is not None:
            self.locked_message = LOCKED_MESSAGE % {"minutes": lockout_minutes_left(until)}
            raise ValidationError(self.locked_message, code="locked")
        return super().clean()
