"""config.forms.select_html draws selects in Python: it must give exactly the markup of Django's
own select templates, whatever the choices, groups, selections and attributes."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from config.forms import GovukFormRenderer

CHOICES = [
    ("", "Choose one"),
    ("a", 'Ann <Smith> & "Co"'),
    ("Team 'North'", [("1", "Femi"), ("2", "Sam & Jo")]),
    ("Team South", [(3, "Priya"), (None, "Nobody")]),
    ("z", "Zed"),
]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "2"),
        (forms.Select(choices=CHOICES, attrs={"class": "govuk-select", "aria-describedby": "x-hint"}), ""),
        (forms.Select(choices=CHOICES, attrs={"disabled": True, "data-x": False}), None),
        (forms.SelectMultiple(choices=CHOICES), ["a", "3", "z"]),
        (forms.NullBooleanSelect(), True),
        (forms.Select(choices=[]), None),
    ],
)
def test_a_select_is_drawn_as_djangos_templates_draw_it(widget, value):
    ours = widget.render("who", value, attrs={"id": "id_who"}, renderer=GovukFormRenderer())
    django = widget.render("who", value, attrs={"id": "id_who"}, renderer=DjangoTemplates())
    assert ours == django
    assert "<select" in ours


def test_a_form_field_with_a_model_choice_queryset_renders_the_same(cast):
    from accounts.models import User

    class Pick(forms.Form):
        user = forms.ModelChoiceField(User.objects.order_by("pk"), empty_label="Choose someone")

    ours = Pick(data={"user": cast.social_worker.pk})["user"].as_widget()
    django = Pick(data={"user": cast.social_worker.pk}, renderer=DjangoTemplates())["user"].as_widget()
    assert ours == django and f'value="{cast.social_worker.pk}" selected' in ours
