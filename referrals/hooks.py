"""Work the front door hands to apps above it (config/hooks.py); they connect in their ready()."""

from config.hooks import Hook

# A contact triaged to the Early Help Hub becomes a step-down (route a) in the hub's tray:
# stepdown.services.stepdown_from_contact. Raises ValidationError when the hub cannot take it.
early_help_hub = Hook("early help hub", "contact, family, by, rationale")
