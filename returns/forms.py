from django import forms

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
