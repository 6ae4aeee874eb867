"""Writes to logins and their roles: a user and its Profile (role, unit scope, person) change together, and each
change goes to the change log (who, when, before/after, from where) like registry data."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from assets.changelog import record_change
from assets.choices import ChangeAction, UserRole
from assets.models import OrgUnit, Person, Profile
from django.utils.translation import gettext_lazy as _

from assets.labels import choice_labels, field_names
from quartermaster.errors import ConflictError, DomainError

_UNSET = object()
USER_FIELDS = ("first_name", "last_name", "email", "is_active", "is_staff")


def _login_snapshot(user) -> dict:
    """What the change log keeps of a login: never the password hash, only whether it was replaced."""
    profile = Profile.objects.filter(user_id=user.pk).select_related("unit", "person").first()
    return {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": user.is_active, "is_staff": user.is_staff,
        "is_superuser": user.is_superuser, "role": profile.role if profile else None,
        "unit": profile.unit.code if profile and profile.unit else None,
        "person": profile.person.staff_no if profile and profile.person else None,
    }


def _apply_profile(user, *, role, unit, person) -> None:
    # The user may come with `qm_profile` cached from before this change (the API's select_related); the cache
    # is replaced with what is saved here, so the user answers with its new role at once.
    user._state.fields_cache.pop("qm_profile", None)
    profile = Profile.objects.filter(user=user).first()
    if role is _UNSET and profile is None:
        return
    role = profile.role if role is _UNSET else role
    if not role:
        if profile is not None:
            profile.delete()
        return
    if role not in UserRole.values:
        raise DomainError(_("未知的角色“%(role)s”，应为以下之一：%(expected)s"), field="role", role=role,
                          expected=choice_labels(UserRole))
    profile = profile or Profile(user=user)
    profile.role = role
    if unit is not _UNSET:
        profile.unit = unit
    if person is not _UNSET:
        profile.person = person
    profile.full_clean()
    profile.save()
    user.qm_profile = profile


@transaction.atomic
def user_create(*, username: str, password: str | None = None, role: str | None = None,
                unit: OrgUnit | None = None, person: Person | None = None, **fields):
    """A login with a role scoped to `unit`'s subtree (None: the whole bureau); no password means none usable."""
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise DomainError(_("不能设置用户的%(fields)s"), field=min(unknown), fields=field_names(get_user_model(), unknown))
    model = get_user_model()
    if model.objects.filter(username=username).exists():
        raise ConflictError(_("用户名 %(username)s 已存在"), field="username", code="duplicate", username=username)
    user = model(username=username, **{"is_staff": role is not None, **fields})
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _apply_profile(user, role=role or "", unit=unit, person=person)
    record_change(user, ChangeAction.CREATE, None, _login_snapshot(user))
    return user


@transaction.atomic
def user_update(*, user, password: str | None = None, role=_UNSET, unit=_UNSET, person=_UNSET, **fields):
    """Changes a login; `role=None` removes the role (the user then reaches nothing through the API)."""
    unknown = set(fields) - set(USER_FIELDS) - {"username"}
    if unknown:
        raise DomainError(_("不能修改用户的%(fields)s"), field=min(unknown),
                          fields=field_names(get_user_model(), unknown))
    before = _login_snapshot(get_user_model().objects.get(pk=user.pk))
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _apply_profile(user, role=role if role is not None else "", unit=unit, person=person)
    after = _login_snapshot(user)
    if password:
        after["password"] = "changed"
    if after != before:
        record_change(user, ChangeAction.UPDATE, before, after)
    return user


@transaction.atomic
def user_delete(*, user, by) -> None:
    """Removes a login (its profile goes with it); nobody removes their own."""
    if user.pk == by.pk:
        raise DomainError(_("不能删除自己的登录账号"), code="self_delete")
    before = _login_snapshot(user)
    record_change(user, ChangeAction.DELETE, before, None)
    user.delete()
