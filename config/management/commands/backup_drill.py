"""python manage.py backup_drill DUMP: restore a backup into a new database and check it whole."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_drill


class Command(BaseCommand):
    help = (
        "Restore DUMP (from `manage.py backup`) into a new, empty database, then compare every table's "
        "row count and every hash chain with the backup's manifest. Drops the database afterwards "
        "unless --keep. Exits non-zero when anything differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", type=Path)
        parser.add_argument("--keep", action="store_true", help="Keep the restored database to look at")

    def handle(self, *args, dump: Path, keep: bool, **options):
        try:
            report = backup_drill(dump, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not report.passed:
            for problem in report.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"The restore drill failed: {len(report.problems)} problem(s) above.")
        kept = f", kept as {report.database}" if keep else ""
        self.stdout.write(
            f"Restore drill passed: {report.tables} tables, {report.rows} rows, hash chains intact and "
            f"matching the backup{kept}."
        )
