"""What every app's admin shares: permissions and rows from assets.access, like the API and the pages."""
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path

from . import access


class RestrictedAdmin(admin.ModelAdmin):
    """Permissions come from the user's role and the model's policy (assets.access.POLICIES), not from per-model
    grants; rows and the choices of related fields are those in the user's unit subtree. Writes go through the
    services, whose scope guard refuses a row outside the subtree whatever the form sent."""

    def _may(self, request, action: str) -> bool:
        user = request.user
        return user.is_active and user.is_staff and access.may(user, action, self.model)

    def has_module_permission(self, request):
        return self._may(request, access.VIEW)

    def has_view_permission(self, request, obj=None):
        return self._may(request, access.VIEW)

    def has_add_permission(self, request):
        return self._may(request, access.ADD)

    def has_change_permission(self, request, obj=None):
        return self._may(request, access.CHANGE)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, access.DELETE)

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user)

    def get_list_filter(self, request):
        """A filter by a related row of a scoped model (a unit, a vehicle) offers the rows the listed ones point
        to: Django's own lists every row of the related table, every brigade's name in another brigade's sidebar."""
        return [(name, admin.RelatedOnlyFieldListFilter) if isinstance(name, str) and self._scoped_relation(name)
                else name for name in super().get_list_filter(request)]

    def _scoped_relation(self, name: str) -> bool:
        field = get_fields_from_path(self.model, name)[-1]
        policy = access.policy_for(field.related_model) if field.is_relation else None
        return policy is not None and policy.scope is not None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if access.policy_for(db_field.related_model) is not None and "queryset" not in kwargs:
            kwargs["queryset"] = access.restrict(db_field.related_model._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(RestrictedAdmin):
    """Records written only by the services (ledgers, histories, layer versions): viewed, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RestrictedInline(admin.TabularInline):
    """Rows shown inside another row's page: read-only, visible to the roles that may view the model."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return access.may(request.user, access.VIEW, self.model)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
