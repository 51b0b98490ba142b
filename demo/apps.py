from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo authority (seed_demo). It writes through every app's services, so it sits
    above them all and nothing imports it."""

    name = "demo"
