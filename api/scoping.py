"""Unit scope: each user sees and changes only the subtree of the org unit on their profile."""
from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import PermissionDenied

from assets.models import OrgUnit


def user_scope_unit(user) -> OrgUnit | None:
    """The unit whose subtree `user` may reach; None means the whole bureau (superusers, unscoped profiles)."""
    if user.is_superuser:
        return None
    profile = getattr(user, "qm_profile", None)
    return profile.unit if profile else None


def user_has_profile_or_superuser(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or getattr(user, "qm_profile", None)))


def scope_queryset(qs: QuerySet, user, field: str | None) -> QuerySet:
    """Rows whose `field` (a path to an OrgUnit, e.g. "unit" or "vehicle__unit") lies in the user's subtree."""
    if field is None:
        return qs
    if not user_has_profile_or_superuser(user):
        return qs.none()
    unit = user_scope_unit(user)
    if unit is None:
        return qs
    lookup = "path__startswith" if field == "self" else f"{field}__path__startswith"
    return qs.filter(**{lookup: unit.path})


def unit_in_scope(user, unit: OrgUnit | None) -> bool:
    if not user_has_profile_or_superuser(user):
        return False
    scope = user_scope_unit(user)
    return scope is None or (unit is not None and unit.path.startswith(scope.path))


def ensure_unit_in_scope(user, unit: OrgUnit | None, what: str = "unit") -> None:
    """Refuses (403) a write that would place something outside the user's subtree."""
    if not unit_in_scope(user, unit):
        code = getattr(unit, "code", "-")
        raise PermissionDenied(f"{what} {code} is outside your scope")
