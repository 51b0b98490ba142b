from django import forms

from assessments.choices import SECTION_GROUPS, Section, SectionGroup
from assessments.models import Contribution, ThresholdIndicator


def indicator_choices(document) -> list:
    """Indicators grouped by level and domain, immediate-referral ones first."""
    if document is None:
        return []
    groups: dict[str, list] = {}
    for indicator in document.indicators.select_related("level").order_by("position"):
        if indicator.immediate_referral:
            label = "Requires an immediate referral to social care"
        else:
            label = f"{indicator.level.name}: {indicator.get_domain_display()}"
        groups.setdefault(label, []).append((indicator.pk, indicator.text))
    immediate = "Requires an immediate referral to social care"
    ordered = [(immediate, groups.pop(immediate))] if immediate in groups else []
    return ordered + list(groups.items())


class ContributionForm(forms.Form):
    prefix = "contribution"

    section = forms.ChoiceField(
        label="Part of the assessment",
        choices=[("", "Choose a part")]
        + [
            (SectionGroup(group).label, [(s, Section(s).label) for s in sections])
            for group, sections in SECTION_GROUPS.items()
        ],
        error_messages={"required": "Choose the part of the assessment this adds to."},
    )
    child = forms.ChoiceField(
        required=False, label="Which child", help_text="Leave blank if it is about the whole family"
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What you have learned or observed",
        help_text="In plain words; quote the child and family where you can",
        error_messages={"required": "Write what you have learned or observed."},
    )
    scale = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10,
        label="How worried are we? (0-10)",
        help_text="Only for 'How worried are we?': 0 means the child will be harmed, 10 safe to close",
    )
    indicators = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        label="Threshold indicators this evidences",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, members=(), document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", "The whole family")] + [
            (str(m.person_id), str(m.person)) for m in members if m.person.is_child
        ]
        self.fields["indicators"].choices = indicator_choices(document)
        self.document = document

    def cleaned_indicators(self) -> list[ThresholdIndicator]:
        ids = self.cleaned_data.get("indicators") or []
        return list(ThresholdIndicator.objects.filter(pk__in=ids, document=self.document))

    def cleaned_supersedes(self, assessment) -> Contribution | None:
        pk = self.cleaned_data.get("supersedes")
        if not pk or assessment is None:
            return None
        return Contribution.objects.filter(pk=pk, assessment=assessment).first()
