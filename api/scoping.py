"""Unit scope: each user sees and changes only the subtree of the org unit on their profile."""
from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from rest_framework.exceptions import PermissionDenied

from assets.models import ChangeLoggedModel, OrgUnit


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


def _change_scope_field(model) -> str | None:
    """How a change-logged model reaches an OrgUnit: itself, or a `unit` foreign key; None when it has neither."""
    if model is OrgUnit:
        return "self"
    try:
        field = model._meta.get_field("unit")
    except FieldDoesNotExist:
        return None
    return "unit" if getattr(field, "related_model", None) is OrgUnit else None


def scope_change_records(qs: QuerySet, user) -> QuerySet:
    """Change records of objects that now lie in the user's subtree; records of objects without a unit, or
    since deleted, are visible only to users with the whole bureau in scope."""
    if not user_has_profile_or_superuser(user):
        return qs.none()
    if user_scope_unit(user) is None:
        return qs
    visible = Q(pk__in=[])
    for model in apps.get_models():
        field = _change_scope_field(model) if issubclass(model, ChangeLoggedModel) else None
        if field is None:
            continue
        ids = scope_queryset(model._default_manager.all(), user, field).annotate(
            pk_text=Cast("pk", CharField())).values("pk_text")
        visible |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return qs.filter(visible)
