from django import forms
from django.utils import timezone

from config.forms import DateInput
from returns.census import census_years_available
from returns.dashboards import DEFAULT_MONTHS, PERIOD_MONTHS, Period


def _year_label(year: int) -> str:
    return f"{year - 1} to {year} (1 April {year - 1} to 31 March {year})"


class CensusRequestForm(forms.Form):
    year = forms.TypedChoiceField(
        coerce=int,
        label="Census year",
        error_messages={
            "required": "Choose the census year.",
            "invalid_choice": "Choose a census year from the list.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, _year_label(year)) for year in census_years_available()]


class AnnexARequestForm(forms.Form):
    end_on = forms.DateField(
        widget=DateInput,
        label="The last day the lists cover",
        help_text="Usually the day before the inspection starts",
        error_messages={
            "required": "Enter the last day the lists cover.",
            "invalid": "Enter a real date, like 2026-11-30.",
        },
    )
    months = forms.TypedChoiceField(
        coerce=int,
        choices=[(6, "Six months"), (12, "Twelve months")],
        initial=6,
        widget=forms.RadioSelect,
        label="How far back",
    )


class DashboardFilterForm(forms.Form):
    """The dashboards' filters (a GET form): one of the user's teams or all of them, and the last
    3, 6 or 12 months or the days from and to. A team the user may not see is an error here."""

    team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="All your teams",
        label="Team",
        error_messages={"invalid_choice": "Choose one of your teams from the list."},
    )
    months = forms.TypedChoiceField(
        coerce=int,
        choices=[(months, f"Last {months} months") for months in PERIOD_MONTHS],
        required=False,
        empty_value=DEFAULT_MONTHS,
        label="Period",
        error_messages={"invalid_choice": "Choose 3, 6 or 12 months."},
    )
    start = forms.DateField(
        widget=DateInput,
        required=False,
        label="From (optional)",
        help_text="Instead of the months: the first day to count, for example 1 4 2026",
        error_messages={"invalid": "The first day must be a real date."},
    )
    end = forms.DateField(
        widget=DateInput,
        required=False,
        label="To (optional)",
        help_text="The last day to count, for example 31 3 2027",
        error_messages={"invalid": "The last day must be a real date."},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["months"].initial = DEFAULT_MONTHS

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.has_error("start") or self.has_error("end"):
            return data
        if start and not end:
            self.add_error("end", "Enter the last day to count as well as the first.")
        elif end and not start:
            self.add_error("start", "Enter the first day to count as well as the last.")
        elif start and end:
            if end > timezone.localdate():
                self.add_error("end", "The last day must be today or in the past.")
            elif start > end:
                self.add_error("end", "The last day must be the same as or after the first day.")
        return data

    @property
    def period(self) -> Period:
        """The period chosen (call after is_valid); the last 12 months when nothing is chosen."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        return Period.last_months(data.get("months") or DEFAULT_MONTHS)
