from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts.models import Agency, ApiToken, Team, User
from accounts.services import api_token_revoke, second_factor_reset, user_access_saved


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
    actions = ["second_factor_reset"]

    @admin.action(
        description="Reset the second factor (they set up their authenticator app again)",
        permissions=["change"],
    )
    def second_factor_reset(self, request, queryset):
        reset = 0
        for user in queryset:
            if self._protected(request, user):
                continue
            second_factor_reset(user=user, by=request.user)
            reset += 1
        self.message_user(
            request,
            f"Second factor reset for {reset} user(s): they set it up again when they next sign in.",
            messages.SUCCESS,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the roles (groups) are saved here
        user_access_saved(user=form.instance, by=request.user)

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


# knox's own admin would let a superuser make a token for anyone, outside every rule of
# accounts/services.py: tokens are listed and revoked here instead, and made only by their owner.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every user's API tokens (never their keys), for revoking one in an emergency."""

    list_display = ["name", "owner", "created", "expires", "last_used_at", "ends_with_sign_out"]
    list_select_related = ["auth_token__user"]
    search_fields = ["auth_token__user__username", "name"]
    fields = readonly_fields = list_display

    @admin.display(description="owner")
    def owner(self, token: ApiToken):
        return token.auth_token.user

    @admin.display(description="created")
    def created(self, token: ApiToken):
        return token.auth_token.created

    @admin.display(description="stops working")
    def expires(self, token: ApiToken):
        return token.auth_token.expiry

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        api_token_revoke(token=obj)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)


# django-otp's own admin shows authenticator secrets (with their QR code) and recovery codes: an
# administrator who saw them could pass anyone's second factor. The user list's reset action is
# the only thing an administrator does with them.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
