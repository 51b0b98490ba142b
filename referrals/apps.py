from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """The front door: requests for support, person matching, MASH triage, referrer feedback."""

    name = "referrals"
