"""python manage.py access_log_partitions: make the access log's months ahead and apply its retention
(audit.services.access_log_partitions_maintain), as the tables' owner when DATABASE_OWNER_URL is set.
The worker runs the same every night; where the application's role does not own the tables (two
roles), run this monthly from the scheduler that runs `migrate`."""

from django.core.management.base import BaseCommand
from django.db import connection

from audit.services import access_log_partitions_maintain
from config.dbroles import as_owner, runtime_privileges_grant


class Command(BaseCommand):
    help = (
        "Make the access log's partitions for this month and the months ahead, and drop whole months "
        "older than ACCESS_LOG_RETENTION_MONTHS (0: keep everything). Connects as DATABASE_OWNER_URL's "
        "role when it is set."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-drop",
            action="store_true",
            help="Only make partitions; drop nothing whatever the retention.",
        )

    def handle(self, *args, **options):
        with as_owner() as application_role:
            report = access_log_partitions_maintain(drop=not options["no_drop"])
            if application_role is not None and report.made:
                with connection.cursor() as cursor:
                    runtime_privileges_grant(cursor, application_role)
        self.stdout.write(f"Made: {', '.join(report.made) or 'none'}")
        self.stdout.write(f"Dropped: {', '.join(report.dropped) or 'none'} ({report.anchors} chain anchors)")
        if report.kept:
            self.stdout.write(f"Kept (hold the hash chain's newest row): {', '.join(report.kept)}")
        if report.refused:
            self.stderr.write(
                f"Not made, their rows are in the default partition: {', '.join(report.refused)}. Nothing "
                "is lost: the rows are read and chained as any other (docs/access-and-restrictions.md)."
            )
