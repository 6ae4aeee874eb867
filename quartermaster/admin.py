"""Admin of the sign-in lockout: administrators see failed sign-ins and delete them to lift a lockout early."""
from django.contrib import admin

from assets.adminbase import RestrictedAdmin

from .models import LoginFailure


@admin.register(LoginFailure)
class LoginFailureAdmin(RestrictedAdmin):
    list_display = ("username", "ip", "at")
    search_fields = ("username", "ip")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
