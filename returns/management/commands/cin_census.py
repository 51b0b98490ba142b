"""python manage.py cin_census --year 2026 --output FILE.xml: the Children in Need census return
for the year ending 31 March of --year, written as it is read."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from returns.census import CensusYear, census_write


class Command(BaseCommand):
    help = "Write the DfE Children in Need census return (XML) for the census year ending 31 March of --year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="2026 is 1 April 2025 to 31 March 2026")
        parser.add_argument("--output", required=True, help="the XML file to write")

    def handle(self, *args, year: int, output: str, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year}: give the year the census ends, like 2026.")
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"--output: the folder {path.parent} does not exist.")
        partial = path.with_name(path.name + ".part")
        with partial.open("wb") as out:
            result = census_write(year, out)
        partial.replace(path)
        period = CensusYear(year)
        if result.children == 0:
            self.stdout.write(
                f"No child had a child in need episode open in {period}: {path} is an empty but valid return."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Wrote the {period} return for {result.children} children to {path}.")
        )
        if result.children_with_errors or result.children_with_queries:
            self.stdout.write(
                f"{result.children_with_errors} children have records the DfE's rules would reject and "
                f"{result.children_with_queries} would be queried: see the census data-quality page."
            )
