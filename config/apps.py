from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Continuum"

    def ready(self) -> None:
        # Each app's permissions.py declares what a user may see of its records (config/visibility.py).
        autodiscover_modules("permissions")
        from config import checks  # noqa: F401 - registers the deployment checks
