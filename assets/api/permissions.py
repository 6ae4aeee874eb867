"""The API's door to assets.access: every view says what it serves (its queryset's model, or `access_model` for a
view without one) and each request passes only when the role's policy allows the action on that model.

A view that does not restrict its rows through `assets.api.viewsets.RestrictedViewMixin` is refused for everyone:
an endpoint written without thinking about scope is closed, not open."""
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .. import access

ACTION_OF = {"list": access.VIEW, "retrieve": access.VIEW, "create": access.ADD, "update": access.CHANGE,
             "partial_update": access.CHANGE, "destroy": access.DELETE}


def view_action(request, view) -> str:
    """view, add, change, delete for the router's actions; a custom action by its name (issue, acknowledge…)."""
    name = getattr(view, "action", None)
    if name in ACTION_OF:
        return ACTION_OF[name]
    if request.method in SAFE_METHODS:
        return access.VIEW
    return name or access.CHANGE


def view_model(view):
    model = getattr(view, "access_model", None)
    if model is None:
        model = getattr(getattr(view, "queryset", None), "model", None)
    return model


class AccessPermission(BasePermission):
    """The default permission of every API view (REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES)."""

    def has_permission(self, request, view):
        if access.user_role(request.user) is None:
            return False
        model = view_model(view)
        if not getattr(view, "restricts_rows", False) or model is None:
            raise PermissionDenied(_("此接口未按您的管辖范围限定数据，已拒绝"))
        action = view_action(request, view)
        if access.may(request.user, action, model):
            return True
        policy = access.policy_for(model)
        if policy is not None and policy.bureau_wide and action != access.VIEW and \
                access.user_role(request.user) in (access.ADMIN, *policy.roles_for(action)):
            raise PermissionDenied(_("%(what)s 是全局数据，只有管辖全局的账号可以修改；整个执法局不在您的管辖范围内（您的管辖范围：%(scope)s）") % {
                "what": model._meta.verbose_name, "scope": access.scope_unit(request.user).code})
        return False
