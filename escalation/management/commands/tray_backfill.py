"""Open the tray tasks of waits that began before work trays existed (run once after upgrading)."""

from django.core.management.base import BaseCommand

from escalation.services import tray_backfill


class Command(BaseCommand):
    help = (
        "Put every wait that is still open (contacts to triage, decisions to confirm, step-downs, "
        "disagreements, conferences and reviews due) in its owners' trays. Safe to run again."
    )

    def handle(self, *args, **options):
        opened = tray_backfill()
        for name, count in opened.items():
            self.stdout.write(f"{name}: {count} task(s) opened")
        self.stdout.write(self.style.SUCCESS(f"{sum(opened.values())} task(s) opened in all"))
