"""Where apps above assessments add to its pages (config/panels.py), and what assessments adds to
the case page (registered in apps.py)."""

from assessments.selectors import child_voices, voice_of_child_current
from cases.permissions import behind_restriction
from config.panels import Slot

# The family's assessment page; each panel's context function takes `user` and `family`.
assessment_page = Slot("assessment page")


def child_voice_case_panel(*, user, case) -> dict:
    """The case page, first: each child's latest words, how they were gathered, who recorded them
    and when (one query; the family table below says when each child was last seen alone). What
    the user reads of the assessment follows assessments/permissions.py; a child behind a
    restriction closed to the user is left out."""
    family = case.family
    words = voice_of_child_current(family, user).annotate(
        child_restricted=behind_restriction(user, "child_id")
    )
    return {"voices": child_voices(words, members=()), "family": family}
