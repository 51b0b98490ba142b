from django.apps import AppConfig, apps
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_migrate, post_save


def _sync_roles(sender, **kwargs) -> None:
    # post_migrate is sent once per app, and each app's permissions are created on its own
    # signal: wait for the last app so every permission the role table names exists.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from accounts.services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People who use Continuum"

    def ready(self) -> None:
        # Groups are data derived from accounts/roles.py; rebuild them after every migrate so a
        # fresh database (or the test database) always has the roles.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.roles_sync")
        # API tokens end with the session's sign-out they were made to end with, and with the account.
        from accounts import receivers

        user_logged_out.connect(
            receivers.api_tokens_end_at_sign_out, dispatch_uid="accounts.api_tokens_sign_out"
        )
        post_save.connect(
            receivers.api_tokens_end_with_account,
            sender=self.get_model("User"),
            dispatch_uid="accounts.api_tokens_account",
        )
