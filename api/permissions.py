"""Role permissions: administrator everything, auditor read-only, logistics and fleet their own domains."""
from rest_framework.permissions import SAFE_METHODS, BasePermission

from assets.choices import UserRole


def user_role(user) -> str | None:
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return UserRole.ADMINISTRATOR
    profile = getattr(user, "qm_profile", None)
    return profile.role if profile else None


class RolePermission(BasePermission):
    """Reads for every role; writes for the roles a view lists in `write_roles` (administrators always)."""

    def has_permission(self, request, view):
        role = user_role(request.user)
        if role is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        if role == UserRole.ADMINISTRATOR:
            return True
        return role in getattr(view, "write_roles", ())


class AdministratorOnly(BasePermission):
    """Users and roles are the administrator's alone, reads included."""

    def has_permission(self, request, view):
        return user_role(request.user) == UserRole.ADMINISTRATOR
