"""Where apps above the clock engine add to its pages (config/panels.py)."""

from config.panels import Slot
from escalation.selectors import tray

# The managers' clock dashboard; each panel's context function takes `user`.
clock_dashboard = Slot("clock dashboard")


def tray_context(tasks) -> dict:
    mine = [task for task in tasks if task.user_id]
    team = [task for task in tasks if not task.user_id]
    return {
        "mine": mine,
        "team": team,
        "overdue": sum(1 for task in tasks if task.overdue),
        "count": len(tasks),
    }


def tray_home_panel(*, user) -> dict | None:
    """Every role's home page starts with its tray (config/panels.py home_page)."""
    if user.primary_role is None:
        return None
    return {"tray": tray_context(list(tray(user)[:50]))}
