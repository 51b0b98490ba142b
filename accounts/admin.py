from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Agency, Team, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "kind", "manager"]
    list_filter = ["kind", "agency"]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "job_title", "is_active"]
    list_filter = ["agency", "groups", "is_active"]
    filter_horizontal = ["groups", "teams"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Agency and teams", {"fields": ("agency", "teams", "job_title", "line_manager")}),
    )
    autocomplete_fields = ["line_manager"]

    def get_readonly_fields(self, request, obj=None):
        # Administrators manage users and roles; only a superuser may hand out superuser powers
        # or permissions outside the role table.
        if request.user.is_superuser:
            return ("last_login", "date_joined")
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    def _protected(self, request, obj) -> bool:
        # A non-superuser administrator may not change a superuser (e.g. reset their password)
        # nor their own account (e.g. give themselves a case-reading role).
        return (
            obj is not None
            and not request.user.is_superuser
            and (obj.is_superuser or obj.pk == request.user.pk)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._protected(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._protected(request, obj)
