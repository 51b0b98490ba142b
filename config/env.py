"""The one place Continuum reads its environment. A bad value stops start-up, naming the variable.

Any variable may instead be given as NAME_FILE, the path of a file holding the value (for
secrets mounted by Docker or Kubernetes).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r}: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but lists nothing: give comma-separated values.")
    return items


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(sorted(choices))}.")
    return value


def env_by_pathway(name: str, default: str) -> dict[int, int]:
    """A number per pathway, as `2:8,3:4,4:4` (pathway:number, comma-separated). A pathway left
    out has no number (the rule or clock does not apply to it)."""
    value = _raw(name)
    text = default if value is None or value.strip() == "" else value
    found: dict[int, int] = {}
    for item in (part.strip() for part in text.split(",") if part.strip()):
        pathway, _, number = item.partition(":")
        try:
            key, amount = int(pathway), int(number)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not pathway:number, as in {default!r}."
            ) from None
        if key not in (1, 2, 3, 4) or amount < 1:
            raise ImproperlyConfigured(f"{name}: {item!r} needs a pathway 1 to 4 and a number of at least 1.")
        found[key] = amount
    return found
