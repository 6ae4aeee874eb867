"""Base viewsets: declarations only; querysets are cut to the user's unit scope, writes checked by role."""
from rest_framework import mixins, viewsets

from quartermaster.context import set_user

from .scoping import scope_queryset


class ScopedViewSetMixin:
    """`scope_field` is the path from the model to an OrgUnit ("self" for OrgUnit itself, None for unscoped);
    `write_roles` lists the roles besides administrator that may write (see api.permissions.RolePermission)."""

    scope_field: str | None = "unit"
    write_roles: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user and request.user.is_authenticated:
            set_user(request.user)

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user, self.scope_field)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedCreateReadViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    pass
