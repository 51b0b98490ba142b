"""What stepdown tells the apps above it (they connect in their AppConfig.ready)."""

from django.dispatch import Signal

# The family withdrew a consent (stepdown/services.py consent_withdraw), inside its transaction.
consent_withdrawn = Signal()  # kwargs: consent, by
