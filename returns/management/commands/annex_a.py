"""python manage.py annex_a --end 2026-11-30 --output FILE.xlsx: Ofsted's Annex A lists 1-7 for
the six (or --months 12) months up to --end."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from returns.annex_a import annex_a_write


class Command(BaseCommand):
    help = "Write Ofsted's Annex A lists 1-7 (a spreadsheet) for the months up to --end."

    def add_arguments(self, parser):
        parser.add_argument("--end", required=True, help="the last day of the window, YYYY-MM-DD")
        parser.add_argument("--months", type=int, default=6, choices=[6, 12])
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, end: str, months: int, output: str, **options):
        try:
            end_on = date.fromisoformat(end)
        except ValueError:
            raise CommandError(f"--end {end!r}: give a date like 2026-11-30.") from None
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"--output: the folder {path.parent} does not exist.")
        partial = path.with_name(path.name + ".part")
        with partial.open("wb") as out:
            counts = annex_a_write(end_on, out, months=months)
        partial.replace(path)
        rows = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Wrote Annex A for {months} months to {end_on:%d %B %Y} to {path} ({rows}).")
        )
