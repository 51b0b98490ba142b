"""Every Django form renders as GOV.UK Design System markup (templates/includes/form.html).

Dates are GOV.UK date inputs: day, month and year in three boxes (and a time box for a date and
time). The widgets post parts named ``<name>_day``, ``<name>_month``, ``<name>_year`` (and
``<name>_time``); a post without the parts may still send one ``<name>`` value (``2026-03-02``,
``2026-03-02T10:15``), as API-like clients and older tests do. Input that is not a real date is
an error with the GOV.UK message ("Date of birth must include a month"), never a blank.
"""

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

_MONTH_NAMES = {
    name: number
    for number, month in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (month, month[:3])
}
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?$")


class DateParts(str):
    """What someone typed in a GOV.UK date input.

    As a string it is ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM`` with a time), which Django's date fields
    read. When the parts are not a real date, ``strip()`` (which Django's DateField and
    DateTimeField call first when they read a string) raises the GOV.UK error for what is wrong
    (``problem``; the boxes in error are ``error_parts``). So every date field that uses these
    widgets, Django's own or ours, refuses it with that message, and the page shows back what was
    typed. tests/test_forms_govuk.py holds Django to this."""

    day: str
    month: str
    year: str
    time: str
    problem: str = ""
    error_parts: tuple[str, ...] = ()
    subject: str = "The date"

    @classmethod
    def parse(cls, *, day: str, month: str, year: str, time: str | None = None) -> "DateParts":
        real = _real_date(day, month, year)
        problem, error_parts = _date_problem(day, month, year) if real is None else ("", ())
        clock = None
        if time is not None and not problem:
            clock = _real_time(time)
            if clock is None:
                problem, error_parts = ("time_missing" if not time.strip() else "time_invalid"), ("time",)
        if problem:
            value = cls(" ".join(part for part in (day, month, year, time or "") if part))
        elif clock is not None:
            value = cls(f"{real.isoformat()} {clock.strftime('%H:%M')}")
        else:
            value = cls(real.isoformat())
        value.day, value.month, value.year, value.time = day, month, year, time or ""
        value.problem, value.error_parts = problem, error_parts
        return value

    def message(self) -> str:
        if self.problem.startswith("missing_"):
            missing = self.problem.removeprefix("missing_").split("_")
            return f"{self.subject} must include a {' and '.join(missing)}"
        if self.problem == "year_digits":
            return "Year must include 4 numbers"
        if self.problem == "time_missing":
            return f"{self.subject} must include a time"
        if self.problem == "time_invalid":
            return "Enter a real time, like 9:30am or 14:30"
        return f"{self.subject} must be a real date"

    def strip(self, *args) -> str:
        if self.problem:
            raise ValidationError(self.message(), code="invalid")
        return str(self).strip(*args)


def _month_number(month: str) -> int | None:
    month = month.strip().lower()
    if month.isdigit():
        return int(month)
    return _MONTH_NAMES.get(month)


def _real_date(day: str, month: str, year: str) -> datetime.date | None:
    number = _month_number(month)
    if not (day.strip().isdigit() and number and re.fullmatch(r"\d{4}", year.strip())):
        return None
    try:
        return datetime.date(int(year), number, int(day))
    except ValueError:
        return None


def _date_problem(day: str, month: str, year: str) -> tuple[str, tuple[str, ...]]:
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = tuple(name for name, text in parts.items() if not text)
    if missing and len(missing) < 3:
        return "missing_" + "_".join(missing), missing
    if parts["day"].isdigit() and _month_number(parts["month"]) and not re.fullmatch(r"\d{4}", parts["year"]):
        return "year_digits", ("year",)
    return "not_real", ("day", "month", "year")


def _real_time(text: str) -> datetime.time | None:
    """Times as people write them: 14:30, 9:30am, 9.30 pm, 9am, midday, midnight."""
    text = text.strip().lower()
    if text in ("midday", "noon", "12 noon"):
        return datetime.time(12, 0)
    if text == "midnight":
        return datetime.time(0, 0)
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match[2] is None:
        return None
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


class DateInput(forms.Widget):
    """The GOV.UK date input: day, month and year boxes (includes/widgets/date_input.html)."""

    template_name = "includes/widgets/date_input.html"
    with_time = False
    use_fieldset = True

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}_{part}") for part in ("day", "month", "year")]
        time = data.get(f"{name}_time") if self.with_time else None
        if all(part is None for part in parts) and time is None:
            return data.get(name)
        parts = [(part or "").strip() for part in parts]
        if not any(parts) and not (time or "").strip():
            return ""
        return DateParts.parse(
            day=parts[0], month=parts[1], year=parts[2], time=(time or "") if self.with_time else None
        )

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(
            f"{name}_{part}" in data for part in ("day", "month", "year", "time")
        )

    def id_for_label(self, id_):
        return f"{id_}_day" if id_ else id_

    def parts(self, value) -> dict[str, str]:
        """The boxes' contents: what was typed, or the date (and local time) being shown."""
        if isinstance(value, DateParts):
            return {"day": value.day, "month": value.month, "year": value.year, "time": value.time}
        if isinstance(value, str) and value:
            try:
                value = (
                    datetime.datetime.fromisoformat(value)
                    if self.with_time
                    else datetime.date.fromisoformat(value)
                )
            except ValueError:
                return {"day": "", "month": "", "year": "", "time": ""}
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return {
                "day": str(value.day),
                "month": str(value.month),
                "year": str(value.year),
                "time": value.strftime("%H:%M"),
            }
        if isinstance(value, datetime.date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year), "time": ""}
        return {"day": "", "month": "", "year": "", "time": ""}

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        in_error = attrs.pop("data-error", False)
        attrs.pop("class", None)
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget_id = widget["attrs"].get("id") or name
        error_parts = getattr(value, "error_parts", ()) or (
            ("day", "month", "year", "time") if in_error else ()
        )
        parts = self.parts(value)
        widths = {"day": 2, "month": 2, "year": 4}
        widget["parts"] = [
            {
                "part": part,
                "label": part.capitalize(),
                "name": f"{name}_{part}",
                "id": f"{widget_id}_{part}",
                "value": parts[part],
                "width": widths[part],
                "error": bool(in_error) and part in error_parts,
            }
            for part in ("day", "month", "year")
        ]
        if self.with_time:
            widget["time"] = {
                "name": f"{name}_time",
                "id": f"{widget_id}_time",
                "value": parts["time"],
                "error": bool(in_error) and "time" in error_parts,
            }
        widget["describedby"] = attrs.get("aria-describedby", "")
        return context


class DateTimeInput(DateInput):
    """A GOV.UK date input and a time box, for when something happened."""

    with_time = True


@dataclass(frozen=True)
class PickerGroup:
    """A heading and a subheading that a checkbox picker's choices are grouped under (a level of
    need and a domain, say). Shown as "heading: subheading" where a plain select lists it."""

    heading: str
    subheading: str = ""

    def __str__(self) -> str:
        return f"{self.heading}: {self.subheading}" if self.subheading else self.heading


class CheckboxPicker(forms.CheckboxSelectMultiple):
    """A long list of checkboxes, grouped under headings (folded, each a GOV.UK details) and
    subheadings (fieldsets). Without JavaScript people tick boxes; static/src/picker.js adds a
    search box (an accessible combobox) and shows the ticked ones as tags. The checkboxes stay
    what is posted, so the field's name and values do not change."""

    template_name = "includes/widgets/checkbox_picker.html"

    def __init__(self, attrs=None, choices=(), *, search_label: str = "Search"):
        super().__init__(attrs, choices)
        self.search_label = search_label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["search_label"] = self.search_label
        headings: dict[str, dict] = {}
        for group, options, _index in widget["optgroups"]:
            heading = group.heading if isinstance(group, PickerGroup) else str(group or "")
            subheading = group.subheading if isinstance(group, PickerGroup) else ""
            level = headings.setdefault(heading, {"heading": heading, "groups": [], "chosen": 0})
            level["groups"].append({"subheading": subheading, "options": options})
            level["chosen"] += sum(1 for option in options if option["selected"])
        widget["headings"] = list(headings.values())
        widget["chosen"] = sum(level["chosen"] for level in widget["headings"])
        return context


def date_subject(label) -> str:
    """How GOV.UK messages name a date: by its label when that names it ("Date of birth must
    include a month"), otherwise as "The date"."""
    label = str(label or "")
    return label if label.lower().startswith("date") else "The date"


class DateField(forms.DateField):
    """A GOV.UK date that may have to be in the past or the future.

    ``must_be`` is one of ``past``, ``today_or_past``, ``future``, ``today_or_future``."""

    widget = DateInput
    _RULES = {
        "past": (lambda value, today: value < today, "must be in the past"),
        "today_or_past": (lambda value, today: value <= today, "must be today or in the past"),
        "future": (lambda value, today: value > today, "must be in the future"),
        "today_or_future": (lambda value, today: value >= today, "must be today or in the future"),
    }

    def __init__(self, *, must_be: str | None = None, **kwargs):
        if must_be is not None and must_be not in self._RULES:
            raise ValueError(f"must_be is one of {', '.join(self._RULES)}")
        self.must_be = must_be
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and self.must_be:
            holds, wording = self._RULES[self.must_be]
            if not holds(value, timezone.localdate()):
                raise ValidationError(f"{date_subject(self.label)} {wording}", code=self.must_be)


class GovukBoundField(BoundField):
    """Names the date in a date input's errors after the field's label."""

    @property
    def data(self):
        value = super().data
        if isinstance(value, DateParts):
            value.subject = date_subject(self.label)
        return value


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict) -> str:
    """django/forms/widgets/select.html and select_option.html, in Python, to the same markup: a
    select of 500 practitioners rendered through the option template took ~0.1 ms an option,
    most of the case page's time at county scale (docs/benchmarks.md). Escaped as the templates
    escape (format_html); tests/test_forms_select.py holds it to Django's templates."""
    parts = [format_html('<select name="{}"{}>', widget["name"], mark_safe(_attrs_html(widget["attrs"])))]  # noqa: S308
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    str(option["value"]),
                    mark_safe(_attrs_html(option["attrs"])),  # noqa: S308
                    option["label"],
                )
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
    bound_field_class = GovukBoundField

    def render(self, template_name, context, request=None):
        # Selects (single and multiple) with Django's own templates are drawn in Python: same markup.
        if template_name == "django/forms/widgets/select.html":
            return select_html(context["widget"])
        return super().render(template_name, context, request=request)


def form_add_service_errors(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form shows
    that field, otherwise at the top. The user's input stays in the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            for message in messages:
                form.add_error(field if visible else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
