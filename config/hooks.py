"""A declared hook: one piece of work that an app hands to an app above it, which it cannot import.

The lower app declares the hook, with what it passes, where the work arises:

    early_help_hub = Hook("early help hub", "contact, family, by, rationale")

and calls it (`early_help_hub(contact=..., ...)`); the app that does the work connects its service
from its AppConfig.ready(). Unlike a signal, a hook has exactly one handler, returns its result and
lets its errors (a ValidationError for the user) through, and a call with nothing connected fails
loudly instead of silently doing nothing."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


class Hook:
    def __init__(self, name: str, arguments: str) -> None:
        self.name = name
        self.arguments = arguments
        self._handler: Callable | None = None

    def connect(self, handler: Callable) -> None:
        if self._handler is not None and self._handler is not handler:
            raise ImproperlyConfigured(f"The {self.name} hook already has a handler: {self._handler!r}.")
        self._handler = handler

    def __call__(self, **kwargs):
        if self._handler is None:
            raise ImproperlyConfigured(f"Nothing handles the {self.name} hook: is its app installed?")
        return self._handler(**kwargs)
