from django import forms
from django.utils import timezone

from assessments.choices import (
    GATHERED_BY_CHOICES,
    SECTION_GROUPS,
    ConversationKind,
    ScaledBy,
    Section,
    SectionGroup,
)
from assessments.models import ThresholdIndicator
from config.forms import CheckboxPicker, DateTimeInput, PickerGroup
from config.limits import LONG_TEXT

IMMEDIATE_REFERRAL = "Requires an immediate referral to social care"
SCALE_MESSAGE = (
    "Give the scale as a whole number from 0 (the child will be harmed) to 10 (safe enough to close)."
)


def indicator_groups(indicators) -> list:
    """Indicators as a CheckboxPicker's choices: grouped by level, then domain, immediate-referral
    ones first, each keeping its document order."""
    groups: dict[PickerGroup, list] = {}
    for indicator in indicators:
        if indicator.immediate_referral:
            group = PickerGroup(IMMEDIATE_REFERRAL)
        else:
            group = PickerGroup(indicator.level.name, indicator.get_domain_display())
        groups.setdefault(group, []).append((indicator.pk, indicator.text))
    immediate = PickerGroup(IMMEDIATE_REFERRAL)
    ordered = [(immediate, groups.pop(immediate))] if immediate in groups else []
    return ordered + list(groups.items())


def indicator_choices(document) -> list:
    """A threshold document's indicators grouped by level and domain, immediate-referral ones first."""
    if document is None:
        return []
    return indicator_groups(document.indicators.select_related("level").order_by("position"))


def indicator_field(label: str) -> forms.TypedMultipleChoiceField:
    """The threshold indicators a request, contribution or decision cites, as a picker."""
    return forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        label=label,
        widget=CheckboxPicker(search_label="Search for an indicator"),
    )


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
        max_length=LONG_TEXT,
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
        error_messages={
            "invalid": SCALE_MESSAGE,
            "min_value": SCALE_MESSAGE,
            "max_value": SCALE_MESSAGE,
        },
    )
    scaled_by = forms.ChoiceField(
        required=False,
        choices=ScaledBy.choices,
        widget=forms.RadioSelect,
        label="Whose scale is it?",
        help_text="Only for 'How worried are we?': each person's number is kept apart",
    )
    scaled_by_person = forms.ChoiceField(
        required=False,
        label="Who in the family gave it (optional)",
        help_text="Only for the family's or the child's own scale",
    )
    gathered_by = forms.ChoiceField(
        required=False,
        choices=GATHERED_BY_CHOICES,
        widget=forms.RadioSelect,
        label="How were the child's words gathered?",
        help_text="Only for the voice of the child: say which child above",
    )
    indicators = indicator_field("Threshold indicators this evidences")
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, members=(), document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", "The whole family")] + [
            (str(m.person_id), str(m.person)) for m in members if m.person.is_child
        ]
        self.fields["scaled_by_person"].choices = [("", "Not named")] + [
            (
                str(m.person_id),
                f"{m.person} ({'child' if m.person.is_child else m.get_role_display().lower()})",
            )
            for m in members
        ]
        self.fields["indicators"].choices = indicator_choices(document)
        self.document = document

    def cleaned_indicators(self) -> list[ThresholdIndicator]:
        ids = self.cleaned_data.get("indicators") or []
        return list(ThresholdIndicator.objects.filter(pk__in=ids, document=self.document))


class ConversationForm(forms.Form):
    """A conversation or visit, with (optionally) what it adds to the assessment."""

    prefix = "conversation"

    kind = forms.ChoiceField(
        choices=[("", "Choose"), *ConversationKind.choices],
        label="What kind",
        error_messages={"required": "Choose what kind of conversation or visit it was."},
    )
    occurred_at = forms.DateTimeField(
        widget=DateTimeInput,
        label="When",
        error_messages={"required": "Enter when it happened.", "invalid": "Enter a real date and time."},
    )
    location = forms.CharField(required=False, max_length=200, label="Where")
    present = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Who was present",
    )
    children_seen = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple, label="Children seen"
    )
    children_seen_alone = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple, label="Children seen alone"
    )
    discussed = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What was discussed",
        error_messages={"required": "Record what was discussed."},
    )
    family_words = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="In the family's words",
    )
    child_words = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="In the child's words",
    )
    section = forms.ChoiceField(required=False, label="Add to the assessment (optional): which part")
    contribution_child = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="About which child",
        help_text="Needed for the voice of the child",
    )
    contribution = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What this adds to the assessment",
    )
    contribution_gathered_by = forms.ChoiceField(
        required=False,
        choices=GATHERED_BY_CHOICES,
        widget=forms.RadioSelect,
        label="How were the child's words gathered?",
        help_text="Only for the voice of the child",
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        children = [(m.person_id, str(m.person)) for m in members if m.person.is_child]
        self.fields["children_seen"].choices = children
        self.fields["children_seen_alone"].choices = children
        self.fields["contribution_child"].choices = [("", "The whole family"), *children]
        self.fields["section"].choices = [("", "Nothing to add")] + [
            (SectionGroup(group).label, [(s, Section(s).label) for s in sections if s != Section.HOW_WORRIED])
            for group, sections in SECTION_GROUPS.items()
        ]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self):
        data = super().clean()
        if data.get("section") and not (data.get("contribution") or "").strip():
            self.add_error(
                "contribution", "Write what this adds to the assessment, or choose 'Nothing to add'."
            )
        return data
