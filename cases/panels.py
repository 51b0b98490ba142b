"""Where apps above cases add to its pages (config/panels.py): cases/views.py renders these slots
and imports none of the apps that fill them."""

from cases import selectors
from config.panels import Slot

# The case page, below the buttons; each panel's context function takes `user` and `case`.
case_page = Slot("case page")


HOME_LIST_SIZE = 25


def home_sections(sections: list[tuple[str, object]]) -> dict | None:
    """A home-page panel of case lists: each (title, queryset) shown up to HOME_LIST_SIZE, with
    the total. For the apps' home panels (config/panels.py), this app's among them."""
    if not sections:
        return None
    return {"sections": [(title, cases[:HOME_LIST_SIZE], cases.count()) for title, cases in sections]}


def home_panel(*, user) -> dict | None:
    """The case lists on each role's home page."""
    return home_sections(selectors.home_cases(user=user))
