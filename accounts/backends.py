"""Django's ModelBackend, with a person's permissions read in one query instead of two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class AccountBackend(ModelBackend):
    """Sign-in and permissions as ModelBackend does them. The first permission check of a request
    reads the permissions of the person's roles (groups) and their own (given only by a superuser,
    accounts/admin.py) together, where ModelBackend reads each in a query of its own: every page
    checks a permission, so every page saves a query."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in perms.values_list("content_type__app_label", "codename")
                .order_by()
                .distinct()
            }
        return user_obj._perm_cache
