from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


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
