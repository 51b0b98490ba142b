from django.apps import AppConfig


class FgcConfig(AppConfig):
    """Family group conferences: a referral to the FGC service (with the family's consent), the
    conference, the family's own plan joining the case's plan, and its review."""

    name = "fgc"

    def ready(self) -> None:
        from cases.models import Case
        from cases.panels import case_page
        from cases.signals import case_closed
        from fgc import panels, receivers
        from stepdown.models import Consent
        from stepdown.signals import consent_withdrawn

        case_page.add("fgc/_case_panel.html", panels.case_panel, order=25)
        # A case closed withdraws the referrals still open on it.
        case_closed.connect(receivers.case_closed, sender=Case, dispatch_uid="fgc.case_closed")
        # Consent withdrawn withdraws the referrals resting on it whose conference is still to come.
        consent_withdrawn.connect(
            receivers.consent_withdrawn, sender=Consent, dispatch_uid="fgc.consent_withdrawn"
        )
