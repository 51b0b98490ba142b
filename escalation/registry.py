"""How the clock engine tells a clock's owner that it breached, without knowing the owner.

An app that starts clocks of a kind and must act when one is missed (the disagreements ladder
moves a disagreement up a stage) registers a handler from its AppConfig.ready():

    breach_handlers.add(ClockKind.ESCALATION_STAGE, disagreement_stage_missed)

The sweep calls each handler with the breached clock and the sweep's time, after it has told the
holder and the next level, in a savepoint of its own: a handler that fails is logged and the breach
still stands."""

from collections import defaultdict
from collections.abc import Callable


class BreachHandlers:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable]] = defaultdict(list)

    def add(self, kind: str, handler: Callable) -> None:
        if handler not in self._handlers[kind]:  # ready() may run twice
            self._handlers[kind].append(handler)

    def for_kind(self, kind: str) -> list[Callable]:
        return list(self._handlers.get(kind, ()))


breach_handlers = BreachHandlers()


class TaskBackfills:
    """How `manage.py tray_backfill` finds the waits that began before work trays existed, without
    knowing the apps that own them. An app whose services open tasks registers, from its
    AppConfig.ready(), a function that opens the task of every wait still open in its records:

        task_backfills.add("stepdown", services.stepdown_tasks_backfill)

    Each function reuses the app's own task openers, so a backfilled task is the task the wait
    would have opened; task_open opens nothing twice, so running it again changes nothing."""

    def __init__(self) -> None:
        self._backfills: dict[str, Callable[[], None]] = {}

    def add(self, name: str, backfill: Callable[[], None]) -> None:
        self._backfills[name] = backfill

    def items(self) -> list[tuple[str, Callable[[], None]]]:
        return sorted(self._backfills.items())


task_backfills = TaskBackfills()
