"""python manage.py history_verify: check the hash chains of the chronology and the access log."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from config.history import history_verify


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of every chained history table (the chronology, the access log) and "
        "report the first broken link. Exits non-zero when a chain is broken. Note each chain's head "
        "(place and hash) somewhere outside this database: a later run that ends elsewhere shows rewriting."
    )

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            reports = history_verify(cursor)
        broken = [report for report in reports if not report.intact]
        for report in reports:
            if report.intact:
                head = f"head {report.head_seq}:{report.head_hash}" if report.head_seq else "empty"
                pruned = f" ({report.pruned} older rows removed by retention)" if report.pruned else ""
                self.stdout.write(f"{report.label}: intact, {report.rows} rows, {head}{pruned}")
            else:
                self.stderr.write(f"{report.label}: BROKEN: {report.problem}")
        if broken:
            raise CommandError(f"{len(broken)} history chain(s) broken: see above.")
