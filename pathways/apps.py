from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    """The four pathways of support and the decision points that move a family between them."""

    name = "pathways"
