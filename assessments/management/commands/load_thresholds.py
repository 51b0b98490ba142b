from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.services import threshold_document_load

DEFAULT = Path(__file__).resolve().parents[2] / "thresholds" / "nottingham.json"


class Command(BaseCommand):
    help = "Load (or reload) a threshold document from a JSON data file. Default: Nottingham's."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT), help="The JSON file to load")

    def handle(self, *args, path, **options):
        try:
            document = threshold_document_load(path=Path(path))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(
            f"Loaded {document.title} ({document.code}): {document.levels.count()} levels, "
            f"{document.indicators.count()} indicators"
        )
