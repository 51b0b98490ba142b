"""`migrate`, run as the tables' owner when DATABASE_OWNER_URL is set (config/dbroles.py)."""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from config.dbroles import as_owner, runtime_privileges_grant


class Command(DjangoMigrate):
    help = DjangoMigrate.help + (
        " With DATABASE_OWNER_URL set, connects as that owner and then grants DATABASE_URL's role "
        "only what the application needs (INSERT and SELECT on append-only history)."
    )

    def handle(self, *args, **options):
        if options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        with as_owner() as application_role:
            super().handle(*args, **options)
            if application_role is None:
                return
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                limited = runtime_privileges_grant(cursor, application_role)
            if options["verbosity"]:
                self.stdout.write(
                    f"Granted the application's role its privileges; history tables append-only for it: "
                    f"{len(limited)}."
                )
