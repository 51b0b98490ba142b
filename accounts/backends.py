"""Django's ModelBackend, with a person's permissions read with their roles in one query."""

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Sign-in and permissions as ModelBackend does them, but the permissions of the person's roles
    (groups) and their own (given only by a superuser, accounts/admin.py) come from `User.access`,
    read once per request with their roles and whether they hold an API token, where ModelBackend
    reads each kind of permission in a query of its own: every page saves two queries."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(user_obj.access.permissions)
        return user_obj._perm_cache
