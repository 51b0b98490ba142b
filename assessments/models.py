"""The one living assessment of each family and the threshold documents it cites.

An assessment is never restarted: it grows by contributions. A contribution is never changed
(the database refuses UPDATE and DELETE); a correction is a new contribution that supersedes an
earlier one, and both stay in the history. The current picture of a section is its contributions
that nothing supersedes.
"""

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from assessments.choices import ConversationKind, Domain, GatheredBy, ScaledBy, Section
from cases.choices import Pathway
from config.visibility import RestrictedQuerySet


class ThresholdDocument(models.Model):
    """A local authority's levels-of-need document, loaded from a data file (load_thresholds)."""

    code = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=300, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class ThresholdLevel(models.Model):
    document = models.ForeignKey(ThresholdDocument, on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField(max_length=50)
    rank = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    offer = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    send = models.TextField("for children with SEND", blank=True)
    suggests_pathway = models.PositiveSmallIntegerField(choices=Pathway.choices)

    class Meta:
        ordering = ["document", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["document", "code"], name="threshold_level_code_unique"),
            models.UniqueConstraint(fields=["document", "rank"], name="threshold_level_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ThresholdIndicator(models.Model):
    """One indicator of need. Immediate-referral indicators have no level of their own: any one
    of them means the child may need protection now."""

    document = models.ForeignKey(ThresholdDocument, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=120)
    level = models.ForeignKey(
        ThresholdLevel, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    domain = models.CharField(max_length=32, choices=Domain.choices, blank=True)
    dimension = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    immediate_referral = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "code"], name="threshold_indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(immediate_referral=True, level__isnull=True)
                | Q(immediate_referral=False, level__isnull=False),
                name="threshold_indicator_level_or_immediate",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Assessment(models.Model):
    """The family's one continuous assessment. Created with the family's first contribution and
    never restarted, whatever pathway the family is on."""

    family = models.OneToOneField("cases.Family", on_delete=models.PROTECT, related_name="assessment")
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Assessment of {self.family}"


class Contribution(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="contributions")
    section = models.CharField(max_length=40, choices=Section.choices)
    text = models.TextField()
    scale = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="How worried are we: 0 (the child will be harmed) to 10 (safe enough to close)",
    )
    scaled_by = models.CharField(
        "whose scale",
        max_length=16,
        choices=ScaledBy.choices,
        blank=True,
        default="",
        db_default="",
        help_text="The practitioner's, the family's or the child's own number (the scale only)",
    )
    scaled_by_person = models.ForeignKey(
        "cases.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For the family's or the child's scale, which member of the family gave it",
    )
    child = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="contributions"
    )
    gathered_by = models.CharField(
        "how the child's words were gathered",
        max_length=32,
        choices=GatheredBy.choices,
        blank=True,
        default="",
        db_default="",
        help_text="The voice of the child only",
    )
    indicators = models.ManyToManyField(ThresholdIndicator, blank=True, related_name="contributions")
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The earlier contribution this one corrects or replaces",
    )
    conversation = models.ForeignKey(
        "Conversation", null=True, blank=True, on_delete=models.PROTECT, related_name="contributions"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(
        "accounts.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["assessment", "section"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(section=Section.HOW_WORRIED, scale__isnull=False)
                | (~Q(section=Section.HOW_WORRIED) & Q(scale__isnull=True)),
                name="contribution_scale_only_for_how_worried",
            ),
            models.CheckConstraint(
                condition=Q(scale__gte=0, scale__lte=10) | Q(scale__isnull=True),
                name="contribution_scale_0_10",
            ),
            models.CheckConstraint(
                condition=Q(section=Section.HOW_WORRIED, scaled_by__in=ScaledBy.values)
                | (~Q(section=Section.HOW_WORRIED) & Q(scaled_by="")),
                name="contribution_scaled_by_only_for_how_worried",
            ),
            models.CheckConstraint(
                condition=Q(scaled_by_person__isnull=True)
                | Q(scaled_by__in=[ScaledBy.FAMILY, ScaledBy.CHILD]),
                name="contribution_scaled_by_person_family_or_child",
            ),
            models.CheckConstraint(
                condition=Q(section=Section.VOICE_OF_CHILD, gathered_by__in=GatheredBy.values)
                | (~Q(section=Section.VOICE_OF_CHILD) & Q(gathered_by="")),
                name="contribution_gathered_by_only_for_voice_of_child",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="contribution_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_section_display()}: {self.text[:60]}"


class Conversation(models.Model):
    """A conversation with the family or a visit: who was there, whether each child was seen
    (and seen alone), what was discussed, in the family's and the child's own words. Each is a
    chronology entry, and may carry contributions to the assessment."""

    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="conversations")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="conversations"
    )
    kind = models.CharField(max_length=32, choices=ConversationKind.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    present = models.TextField("who was present", blank=True)
    children_seen = models.ManyToManyField("cases.Person", blank=True, related_name="seen_in")
    children_seen_alone = models.ManyToManyField("cases.Person", blank=True, related_name="seen_alone_in")
    discussed = models.TextField("what was discussed")
    family_words = models.TextField("the family's own words", blank=True)
    child_words = models.TextField("the child's own words", blank=True)
    chronology_entry = models.OneToOneField(
        "cases.ChronologyEntry", on_delete=models.PROTECT, related_name="conversation"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(
        "accounts.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        triggers = [
            pgtrigger.Protect(name="conversation_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%d %b %Y}"
