"""`migrate`, run as the tables' owner when DATABASE_OWNER_URL is set (config/dbroles.py)."""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from config.dbroles import runtime_privileges_grant

OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


class Command(DjangoMigrate):
    help = DjangoMigrate.help + (
        " With DATABASE_OWNER_URL set, connects as that owner and then grants DATABASE_URL's role "
        "only what the application needs (INSERT and SELECT on append-only history)."
    )

    def handle(self, *args, **options):
        owner = settings.DATABASE_OWNER
        if not owner or options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        connection = connections[DEFAULT_DB_ALIAS]
        runtime = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update({key: owner[key] for key in OWNER_KEYS if key in owner})
        try:
            super().handle(*args, **options)
            with connection.cursor() as cursor:
                limited = runtime_privileges_grant(cursor, runtime["USER"])
            if options["verbosity"]:
                self.stdout.write(
                    f"Granted the application's role its privileges; history tables append-only for it: "
                    f"{len(limited)}."
                )
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(runtime)
