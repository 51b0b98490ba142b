"""python manage.py backup [--output DIR]: dump the database with a manifest (config/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Dump the database (pg_dump, custom format) with a manifest of row counts and hash-chain heads "
        "read from the same snapshot. Check it with `manage.py backup_drill DUMP`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=settings.VAR_DIR / "backups", help="Folder (var/backups)"
        )

    def handle(self, *args, output: Path, **options):
        try:
            dump, manifest = backup_write(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"Backup written: {dump} ({len(manifest['tables'])} tables, {rows} rows)")
        self.stdout.write(f"Manifest: {dump.with_suffix('.manifest.json')}  SHA-256 {manifest['sha256']}")
        for label, chain in manifest["chains"].items():
            if chain["problem"]:
                self.stderr.write(f"Warning: {label}'s hash chain was already broken: {chain['problem']}")
