from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """The front door: requests for support, person matching, MASH triage, feedback to referrers."""

    name = "referrals"

    def ready(self) -> None:
        from pathways.models import Decision
        from pathways.signals import decision_settled

        def _settled(sender, decision, by, **kwargs):
            from referrals.services import contact_decision_settled

            contact_decision_settled(decision=decision, by=by)

        decision_settled.connect(_settled, sender=Decision, dispatch_uid="referrals.decision_settled")
