"""Pages assembled from panels that other apps provide, so that the app owning a page imports none
of the apps that add to it (docs/architecture.md).

The owner declares a slot (`case_page = Slot("case page")` in cases/panels.py) and renders what
`slot.panels(...)` returns, each with `{% include panel.template with panel=panel.context %}`.
An app above adds to it from its AppConfig.ready():

    case_page.add("stepdown/_case_panel.html", stepdown_case_panel, order=20)

where `stepdown_case_panel(request=..., case=...)` returns the panel's context, or None to leave the
panel out for this user and record.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict


@dataclass
class Slot:
    name: str
    _entries: list[tuple[int, str, Callable[..., dict | None]]] = field(default_factory=list)

    def add(self, template: str, context: Callable[..., dict | None], *, order: int = 100) -> None:
        if any(existing is context for _, _, existing in self._entries):
            return  # ready() may run twice (tests, reloads): once is enough
        self._entries.append((order, template, context))
        self._entries.sort(key=lambda entry: (entry[0], entry[1]))

    def panels(self, **kwargs) -> list[Panel]:
        shown = []
        for _, template, context in self._entries:
            values = context(**kwargs)
            if values is not None:
                shown.append(Panel(template=template, context=values))
        return shown


# The home page (config/views.py); each panel's context function takes `user`.
home_page = Slot("home page")
