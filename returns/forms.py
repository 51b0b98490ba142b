from django import forms

from config.forms import DateInput
from returns.census import census_years_available


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
