"""Who may touch what, decided in one place: roles, unit scope, and the row restriction that the API, the web pages,
the admin and the services all use.

A user holds one role (`UserRole`, on their Profile; a superuser is an administrator) and reaches the subtree of the
unit on their profile (no unit: the whole bureau). Each model has one `Policy` in `POLICIES` (each app adds its own
with `register`): how its rows reach an org unit, which roles read it, which write it (administrators always do).
`restrict(queryset, user, action)` — also `Model.objects.restrict(user, action)`, modelled on NetBox's
RestrictedQuerySet — keeps the rows `user` may `action`; a model without a policy gives no rows at all, so a table
nobody thought about is closed, not open.

Services enforce the same scope themselves: while an actor is in the change context (API, web, admin), every save
and delete of a row whose unit, person, asset or vehicle lies outside the actor's subtree is refused
(`OutOfScope`, 403) and the surrounding transaction rolls back; rows of the whole bureau (categories, item types,
entitlements, holidays, map layers) change only for users whose scope is the whole bureau. The CLI, the importer
and the ingest run without an actor and are not cut.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.db.models.signals import pre_delete, pre_save
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from quartermaster.context import current
from quartermaster.errors import DomainError

from .choices import UserRole

ADMIN, LOGISTICS, FLEET, AUDITOR = UserRole.ADMINISTRATOR, UserRole.LOGISTICS, UserRole.FLEET, UserRole.AUDITOR
EVERY_ROLE = tuple(UserRole.values)
VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
_MARK = "qm_restricted"


class OutOfScope(DomainError):
    """A refusal because of who is asking: the role may not, or the row lies outside the user's unit subtree."""

    status_code = 403

    def __init__(self, message, *, field: str | None = None, **params):
        super().__init__(message, code="out_of_scope", field=field, **params)


# --- who is asking --------------------------------------------------------------------------------------------

def user_role(user) -> str | None:
    """The user's role; None for anonymous users and logins without a role (they reach nothing)."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    profile = getattr(user, "qm_profile", None)
    return profile.role if profile else None


def scope_unit(user):
    """The unit whose subtree `user` reaches; None means the whole bureau (superusers, profiles without a unit)."""
    if user.is_superuser:
        return None
    profile = getattr(user, "qm_profile", None)
    return profile.unit if profile else None


def whole_bureau(user) -> bool:
    """Does `user` (with a role) reach the whole bureau: no unit on the profile, or the root unit?"""
    if user_role(user) is None:
        return False
    unit = scope_unit(user)
    return unit is None or unit.parent_id is None


def unit_in_scope(user, unit) -> bool:
    if user_role(user) is None:
        return False
    scope = scope_unit(user)
    return scope is None or (unit is not None and unit.path.startswith(scope.path))


# --- what each model allows -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    """`scope`: the path from the model to an OrgUnit ("self" for OrgUnit itself), a function (queryset, unit) ->
    queryset for rows reached another way, or None for rows of the whole bureau. `read`/`write`: the roles besides
    administrator that may view / add, change, delete; `actions`: roles for named actions (issue, acknowledge…)
    that differ from `write`. `bureau_wide`: writes need a scope of the whole bureau. `observes`: foreign keys that
    record what was seen rather than moved (a stocktake scan of another unit's asset), exempt from the guard."""

    scope: str | Callable | None
    read: tuple[str, ...] = EVERY_ROLE
    write: tuple[str, ...] = ()
    actions: dict = field(default_factory=dict)
    bureau_wide: bool = False
    observes: tuple[str, ...] = ()

    def roles_for(self, action: str) -> tuple[str, ...]:
        if action == VIEW:
            return self.read
        return self.actions.get(action, self.write)


def _change_records(qs: QuerySet, unit) -> QuerySet:
    """Change records of objects now in the subtree; records of objects without a unit, or since deleted, are for
    users who reach the whole bureau."""
    from django.contrib.contenttypes.models import ContentType

    from .models import ChangeLoggedModel

    visible = Q(pk__in=[])
    for model in apps.get_models():
        policy = POLICIES.get(model._meta.label)
        if not issubclass(model, ChangeLoggedModel) or policy is None or not isinstance(policy.scope, str):
            continue
        ids = _scoped(model._default_manager.all(), policy.scope, unit).annotate(
            pk_text=Cast("pk", CharField())).values("pk_text")
        visible |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return qs.filter(visible)


_LOG = (LOGISTICS,)

# The registry's models and the project's; every other app adds its own with `register` when it is ready.
POLICIES: dict[str, Policy] = {
    # registry
    "assets.OrgUnit": Policy("self"),
    "assets.Person": Policy("unit", write=_LOG),
    "assets.PersonHistory": Policy("unit"),
    "assets.Category": Policy(None, bureau_wide=True),
    "assets.ItemType": Policy(None, write=_LOG, bureau_wide=True),
    "assets.Asset": Policy("unit", write=_LOG),
    "assets.CustodyEvent": Policy("asset__unit"),
    "assets.ChangeRecord": Policy(_change_records),
    # disposal (报废): logistics officers request and approve (a higher unit's; the second level is the
    # administrator's, checked by assets.disposals)
    "assets.DisposalRequest": Policy("unit", write=_LOG, actions={"approve": _LOG, "refuse": _LOG}),
    "assets.DisposalItem": Policy("request__unit", write=_LOG),
    "assets.DisposalApproval": Policy("request__unit", write=_LOG),
    "assets.DisposalPhoto": Policy("request__unit", write=_LOG),
    "assets.Profile": Policy("unit", read=(), write=()),
    "auth.User": Policy("qm_profile__unit", read=(), write=()),
    "auth.Group": Policy(None, read=(), bureau_wide=True),
    "auth.Permission": Policy(None, read=(), bureau_wide=True),
    "quartermaster.LoginFailure": Policy(None, read=()),  # written by sign-ins, read and cleared by administrators
}

# Rows whose own unit places what refers to them: a row that names one of these must name one in scope.
ANCHORS = {"assets.OrgUnit": "self", "assets.Person": "unit", "assets.Asset": "unit"}


def register(policies: dict[str, Policy], anchors: dict[str, str] | None = None) -> None:
    """An app's policies (model label -> Policy) and anchors, from its AppConfig.ready(): the registry names no
    model of the apps above it. A label registered twice is a programming error."""
    anchors = anchors or {}
    twice = sorted((POLICIES.keys() & policies.keys()) | (ANCHORS.keys() & anchors.keys()))
    if twice:
        raise ValueError(f"access policies registered twice: {', '.join(twice)}")
    POLICIES.update(policies)
    ANCHORS.update(anchors)


def policy_for(model) -> Policy | None:
    return POLICIES.get(model._meta.label)


def may(user, action: str, model) -> bool:
    """May `user`'s role do `action` on `model` at all (before any row is looked at)?"""
    role = user_role(user)
    policy = policy_for(model)
    if role is None or policy is None:
        return False
    if action != VIEW and policy.bureau_wide and not whole_bureau(user):
        return False
    return role == ADMIN or role in policy.roles_for(action)


def _scoped(qs: QuerySet, scope, unit) -> QuerySet:
    if callable(scope):
        return scope(qs, unit)
    lookup = "path__startswith" if scope == "self" else f"{scope}__path__startswith"
    return qs.filter(**{lookup: unit.path})


def _mark(qs: QuerySet, action: str) -> QuerySet:
    qs = qs._chain()
    # Hints travel with every clone of a queryset (filter, order_by, select_related…), so the mark survives them.
    qs._hints = {**qs._hints, _MARK: action}
    return qs


def is_restricted(qs) -> bool:
    return isinstance(qs, QuerySet) and _MARK in qs._hints


def restrict(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    """The rows of `qs` that `user` may `action`: none when the role may not, the unit subtree otherwise."""
    policy = policy_for(qs.model)
    if not may(user, action, qs.model):
        return _mark(qs.none(), action)
    if policy.scope is None or whole_bureau(user):
        return _mark(qs, action)
    return _mark(_scoped(qs, policy.scope, scope_unit(user)), action)


class RestrictedQuerySet(QuerySet):
    """`Model.objects.restrict(user, action)`."""

    def restrict(self, user, action: str = VIEW) -> QuerySet:
        return restrict(self, user, action)


def in_scope(user, obj, action: str = VIEW) -> bool:
    """Is this row one that `user` may `action`?"""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def ensure(user, obj, action: str, what: str | None = None) -> None:
    """Refuses (OutOfScope) unless `user` may `action` this row (an OrgUnit: a unit in the user's subtree)."""
    if type(obj)._meta.label == "assets.OrgUnit" and action != VIEW:
        allowed = user_role(user) is not None and unit_in_scope(user, obj)
    else:
        allowed = in_scope(user, obj, action)
    if not allowed:
        raise OutOfScope(_("%(what)s %(name)s 不在您的管辖范围内"), what=type(obj)._meta.verbose_name, name=_name(obj))


def ensure_unit(user, unit, what: str = "unit") -> None:
    """Refuses a write that would place something in `unit` outside the user's subtree (None: the bureau)."""
    if not unit_in_scope(user, unit):
        if unit is None:
            raise OutOfScope(_("全局（整个执法局）的数据不在您的管辖范围内"))
        raise OutOfScope(_("单位 %(name)s 不在您的管辖范围内"), name=_name(unit))


def _name(obj) -> str:
    for attr in ("code", "staff_no", "tag", "plate", "number"):
        if getattr(obj, attr, None):
            return str(getattr(obj, attr))
    return str(obj.pk)


# --- the actor in the change context: services refuse out-of-scope rows themselves --------------------------------

def actor():
    """The user the current change context acts for (None: CLI, import, ingest, system)."""
    return current().user


def for_actor(qs: QuerySet, action: str = VIEW) -> QuerySet:
    """`qs` cut to the current actor (unchanged without one): lookups by tag, plate or staff number in services."""
    user = actor()
    return qs if user is None else restrict(qs, user, action)


def _anchor_unit(obj, label: str):
    path = ANCHORS[label]
    return obj if path == "self" else getattr(obj, path, None)


def _refused_reference(user, instance):
    """The first thing `instance` names that lies outside the user's subtree (itself included), if any."""
    model = type(instance)
    label = model._meta.label
    if label == "assets.OrgUnit":
        if instance.path:
            inside = unit_in_scope(user, instance)
        else:
            inside = unit_in_scope(user, instance.parent) if instance.parent_id else whole_bureau(user)
        return None if inside else format_lazy("{} {}", model._meta.verbose_name, _name(instance))
    if label in ANCHORS and not unit_in_scope(user, _anchor_unit(instance, label)):
        return format_lazy("{} {}", model._meta.verbose_name, _name(instance))
    policy = policy_for(model)
    scope = policy.scope
    if isinstance(scope, str) and "__" not in scope and getattr(instance, f"{scope}_id", 0) is None \
            and not whole_bureau(user):
        return format_lazy(_("全局的{}"), model._meta.verbose_name)
    for fk in model._meta.concrete_fields:
        if not isinstance(fk, models.ForeignKey) or fk.related_model._meta.label not in ANCHORS \
                or fk.name in policy.observes:
            continue
        if getattr(instance, fk.attname) is None:
            continue
        target = getattr(instance, fk.name)
        if not unit_in_scope(user, _anchor_unit(target, target._meta.label)):
            return format_lazy("{} {}", fk.verbose_name, _name(target))
    return None


def refuse_rows_out_of_scope(model, rows: list[dict]) -> None:
    """The guard for writers that bypass save() (the ledger's bulk append): every row, a dict of column names,
    must name units, people, assets and vehicles inside the actor's subtree, or nothing is written."""
    user = actor()
    if user is None or user.is_superuser or not rows:
        return
    policy = policy_for(model)
    if user_role(user) is None:
        raise OutOfScope(_("账号 %(user)s 没有角色"), user=user.get_username())
    if policy is not None and policy.bureau_wide and not whole_bureau(user):
        raise OutOfScope(_("%(what)s 是全局数据，只有管辖全局的账号可以修改；整个执法局不在您的管辖范围内"),
                         what=model._meta.verbose_name)
    if whole_bureau(user):
        return
    for fk in model._meta.concrete_fields:
        target = getattr(fk, "related_model", None)
        if not isinstance(fk, models.ForeignKey) or target._meta.label not in ANCHORS \
                or (policy is not None and fk.name in policy.observes):
            continue
        ids = {row[fk.attname] for row in rows if row.get(fk.attname) is not None}
        if not ids:
            continue
        inside = set(restrict(target._default_manager.filter(pk__in=ids), user).values_list("pk", flat=True))
        outside = ids - inside
        if outside:
            stray = target._default_manager.filter(pk=min(outside)).first()
            raise OutOfScope(_("%(what)s %(name)s 不在您的管辖范围内"), what=fk.verbose_name,
                             name=_name(stray) if stray else min(outside))


def _guard(sender, instance, raw=False, **kwargs) -> None:
    user = actor()
    if raw or user is None or user.is_superuser:
        return
    policy = policy_for(sender)
    if policy is None:
        return
    if user_role(user) is None:
        raise OutOfScope(_("账号 %(user)s 没有角色"), user=user.get_username())
    if policy.bureau_wide and not whole_bureau(user):
        raise OutOfScope(_("%(what)s 是全局数据，只有管辖全局的账号可以修改；整个执法局不在您的管辖范围内（您的管辖范围：%(scope)s）"),
                         what=sender._meta.verbose_name, scope=scope_unit(user).code)
    refused = _refused_reference(user, instance)
    if refused:
        raise OutOfScope(_("%(what)s 不在您的管辖范围内"), what=refused)


def _guard_existing(sender, instance, raw=False, **kwargs) -> None:
    """An update must not move a row out of scope, nor reach one that is already outside."""
    _guard(sender, instance, raw=raw)
    if raw or instance.pk is None or instance._state.adding or actor() is None:
        return
    stored = sender._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        _guard(sender, stored)


def connect() -> None:
    pre_save.connect(_guard_existing, dispatch_uid="qm_access_guard_save")
    pre_delete.connect(_guard, dispatch_uid="qm_access_guard_delete")


# --- web pages ------------------------------------------------------------------------------------------------


def private_file(file, *, missing: str = "file missing from storage"):
    """A stored file (a photo) as the answer of a view that has already cut its row to the user's scope: media files
    are never served openly. Cached privately, never sniffed into another type."""
    from django.http import FileResponse, Http404

    try:
        response = FileResponse(file.open("rb"), filename=file.name.rsplit("/", 1)[-1])
    except FileNotFoundError:
        raise Http404(missing) from None
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def page(model_label: str, action: str = VIEW):
    """The one gate of every web page: signed in (else the login page), holding a role (else the no-role page,
    403) whose policy allows `action` on the model (else 403). What the page shows is then cut by `restrict`."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import render

    def decorate(view):
        @login_required
        @wraps(view)
        def gated(request, *args, **kwargs):
            if user_role(request.user) is None:
                return render(request, "start/no_role.html", status=403)
            if not may(request.user, action, apps.get_model(model_label)):
                raise PermissionDenied(_("您的角色不能进行此操作（%(action)s %(model)s）") % {
                    "action": action, "model": apps.get_model(model_label)._meta.verbose_name})
            return view(request, *args, **kwargs)

        gated.access = (model_label, action)
        return gated

    return decorate
