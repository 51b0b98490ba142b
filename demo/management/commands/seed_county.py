"""Load a synthetic county (issue 17): `manage.py seed_county --scale S`, S = 1.0 being a large
county's ten years (300,000 people, 100,000 families, 1M contacts, ~150,000 case episodes, 10M
chronology entries, ~3M contributions and conversations, 50M access-log rows), written in bulk
(demo/county.py). The demo's logins (seed_demo) hold realistic caseloads in it.

It refuses a database that already holds families, people, cases, contacts or chronology: it
numbers its rows from the tables' sequences and starts the hash chains where they are, so it does
not mix with records written another way. Run it on an empty migrated database (DEBUG on: the
demo logins have a published password)."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cases.models import AccessLogEntry, Case, ChronologyEntry, Family, Person
from demo.county import County
from demo.management.commands.seed_demo import Command as SeedDemo
from escalation.services import tray_backfill
from referrals.models import Contact

LOADED_ALREADY = (Family, Person, Case, Contact, ChronologyEntry, AccessLogEntry)


class Command(BaseCommand):
    help = (
        "Load a synthetic county of the given scale (1.0: a large county's ten years) into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 is the full county; 0.01 is 1%%")
        parser.add_argument(
            "--seed", type=int, default=17, help="random seed (the same seed, the same county)"
        )

    def handle(self, *args, scale: float, seed: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_county makes the demo logins, with a published password: run it with DEBUG on."
            )
        if not 0 < scale <= 5:
            raise CommandError("--scale must be more than 0 and at most 5.")
        loaded = [str(model._meta.verbose_name_plural) for model in LOADED_ALREADY if model.objects.exists()]
        if loaded:
            raise CommandError(
                f"This database already holds {', '.join(loaded)}: seed_county loads only an empty, migrated "
                "database (drop and recreate it, then run `manage.py migrate`)."
            )
        started = time.monotonic()
        call_command("load_thresholds", stdout=self.stdout)
        with transaction.atomic():
            organisation = SeedDemo(stdout=self.stdout, stderr=self.stderr).organisation()
            county = County(scale=scale, seed=seed, organisation=organisation, stdout=self.stdout)
            self.stdout.write(f"Loading a county at scale {scale}:")
            timings = county.run()
            backfilled = time.monotonic()
            # The waits the load left open go into their owners' work trays, by the services.
            tasks = sum(tray_backfill().values())
            timings["escalation_task (tray_backfill)"] = time.monotonic() - backfilled
            self.stdout.write(f"  {tasks} tasks in the work trays")
        analysed = time.monotonic()
        with connection.cursor() as cursor:
            for table in sorted(
                {name.split(" ")[0] for name in timings if not name.startswith(("(", "seed_"))}
            ):
                cursor.execute(f'ANALYZE "{table}"')
        timings["(ANALYZE)"] = time.monotonic() - analysed
        total = time.monotonic() - started
        self.stdout.write("Time per table (seconds):")
        for name, seconds in sorted(timings.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {name:<48} {seconds:8.1f}")
        self.stdout.write(self.style.SUCCESS(f"Loaded the county at scale {scale} in {total:.1f} s."))
