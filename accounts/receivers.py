"""What accounts does when Django tells it something happened (connected in AccountsConfig.ready)."""

from accounts import services


def api_tokens_end_at_sign_out(sender, request=None, user=None, **kwargs) -> None:
    """Sent by django.contrib.auth.logout before it empties the session: the tokens made from this
    session to end with its sign-out end now."""
    services.api_tokens_end_with_session(session=getattr(request, "session", None))


def api_tokens_end_with_account(sender, instance, update_fields=None, **kwargs) -> None:
    """A deactivated account's tokens end (knox refuses them already; this makes it final, so
    reactivating the account does not bring them back)."""
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    services.api_tokens_revoke_all(user=instance)
