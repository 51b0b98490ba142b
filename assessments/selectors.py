"""Reads of the living assessment: the current picture, each section's history, what the cited
indicators suggest, the Signs of Safety scales over time and each child's own words."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from assessments.choices import SECTION_GROUPS, ScaledBy, Section, SectionGroup
from assessments.models import Assessment, Contribution, ThresholdIndicator, ThresholdLevel
from assessments.permissions import restrict_to_viewer
from cases.permissions import behind_restriction


def contributions_of(assessment: Assessment, viewer=None) -> QuerySet[Contribution]:
    """Contributions to the assessment; with `viewer`, only those that person may read."""
    queryset = Contribution.objects.filter(assessment=assessment)
    if viewer is not None:
        queryset = restrict_to_viewer(viewer, queryset)
    return (
        queryset.annotate(is_superseded=Exists(Contribution.objects.filter(supersedes=OuterRef("pk"))))
        .select_related(
            "author", "author_agency", "child", "child__merged_into", "scaled_by_person", "supersedes"
        )
        .prefetch_related(Prefetch("indicators", queryset=ThresholdIndicator.objects.select_related("level")))
    )


def current_contributions(assessment: Assessment, viewer=None) -> QuerySet[Contribution]:
    """The picture now: every contribution nothing has superseded."""
    return contributions_of(assessment, viewer).filter(is_superseded=False)


@dataclass
class SectionPicture:
    section: str
    label: str
    current: list[Contribution] = field(default_factory=list)
    corrected: int = 0  # how many earlier contributions sit in its history

    @property
    def latest_scale(self) -> int | None:
        scales = [c.scale for c in self.current if c.scale is not None]
        return scales[0] if scales else None


def assessment_picture(assessment: Assessment, viewer=None) -> list[tuple[str, list[SectionPicture]]]:
    """Sections grouped as on the Assessment Triangle and Signs of Safety, newest first."""
    by_section: dict[str, SectionPicture] = {s: SectionPicture(s, Section(s).label) for s in Section.values}
    for contribution in contributions_of(assessment, viewer).order_by("-recorded_at", "-pk"):
        picture = by_section[contribution.section]
        if not contribution.is_superseded:
            picture.current.append(contribution)
        else:
            picture.corrected += 1
    return [
        (SectionGroup(group).label, [by_section[s] for s in sections])
        for group, sections in SECTION_GROUPS.items()
    ]


def section_history(assessment: Assessment, section: str, viewer=None) -> QuerySet[Contribution]:
    return contributions_of(assessment, viewer).filter(section=section).order_by("-recorded_at", "-pk")


@dataclass
class IndicatorSummary:
    """What the cited indicators suggest: support for a decision, never the decision itself."""

    by_level: list[tuple[ThresholdLevel, list[ThresholdIndicator]]]
    immediate: list[ThresholdIndicator]
    suggested_level: ThresholdLevel | None

    @property
    def suggests_pathway(self) -> int | None:
        if self.immediate:
            return 4
        return self.suggested_level.suggests_pathway if self.suggested_level else None


def indicator_summary(contributions) -> IndicatorSummary:
    levels: dict[int, tuple[ThresholdLevel, dict[int, ThresholdIndicator]]] = {}
    immediate: dict[int, ThresholdIndicator] = {}
    for contribution in contributions:
        for indicator in contribution.indicators.all():
            if indicator.immediate_referral:
                immediate[indicator.pk] = indicator
            else:
                levels.setdefault(indicator.level.rank, (indicator.level, {}))[1][indicator.pk] = indicator
    ordered = [(level, list(found.values())) for _, (level, found) in sorted(levels.items())]
    return IndicatorSummary(
        by_level=ordered,
        immediate=list(immediate.values()),
        suggested_level=ordered[-1][0] if ordered else None,
    )


def assessment_snapshot(assessment: Assessment) -> dict:
    """A plain, frozen copy of the current picture, for a referral package."""
    sections: dict[str, list[dict]] = defaultdict(list)
    for contribution in current_contributions(assessment).order_by("recorded_at", "pk"):
        sections[contribution.section].append(
            {
                "text": contribution.text,
                "scale": contribution.scale,
                "child": str(contribution.child) if contribution.child else None,
                "author": str(contribution.author),
                "agency": str(contribution.author_agency) if contribution.author_agency else None,
                "recorded_at": contribution.recorded_at.isoformat(),
                "indicators": [indicator.text for indicator in contribution.indicators.all()],
            }
        )
    return {Section(section).label: entries for section, entries in sections.items()}


# --- the Signs of Safety scale over time --------------------------------------------------------


@dataclass(frozen=True)
class ScalePoint:
    contribution_id: int
    at: datetime  # when the scale was given: the conversation's time, else when it was written
    scale: int
    person: object | None  # the member of the family who gave it, when named
    author: str


@dataclass
class ScaleSeries:
    scaled_by: str
    label: str
    points: list[ScalePoint] = field(default_factory=list)

    @property
    def latest(self) -> ScalePoint | None:
        return self.points[-1] if self.points else None


def _given_at(contribution: Contribution) -> datetime:
    conversation = contribution.conversation
    return conversation.occurred_at if conversation is not None else contribution.recorded_at


def scaling_series(assessment: Assessment | None, viewer=None) -> list[ScaleSeries]:
    """The 0-10 scales, one series per kind of contributor (practitioner, family, child; always all
    three, in that order), each oldest first. A corrected scale gives way to its correction, which
    keeps the time the first was given: a correction mends a number, it is not a new one."""
    series = {value: ScaleSeries(value, label) for value, label in ScaledBy.choices}
    if assessment is None:
        return list(series.values())
    queryset = Contribution.objects.filter(assessment=assessment, section=Section.HOW_WORRIED)
    if viewer is not None:
        # Who gave a scale is named only to those who may open that person's record.
        queryset = restrict_to_viewer(viewer, queryset).annotate(
            person_hidden=behind_restriction(viewer, "scaled_by_person_id")
        )
    scales = {
        contribution.pk: contribution
        for contribution in queryset.select_related("author", "conversation", "scaled_by_person")
    }
    corrected = {contribution.supersedes_id for contribution in scales.values()}
    for contribution in scales.values():
        if contribution.pk in corrected or contribution.scaled_by not in series:
            continue
        first = contribution
        while first.supersedes_id in scales:
            first = scales[first.supersedes_id]
        hidden = getattr(contribution, "person_hidden", False)
        series[contribution.scaled_by].points.append(
            ScalePoint(
                contribution_id=contribution.pk,
                at=_given_at(first),
                scale=contribution.scale,
                person=None if hidden else contribution.scaled_by_person,
                author=str(contribution.author),
            )
        )
    for one in series.values():
        one.points.sort(key=lambda point: (point.at, point.contribution_id))
    return list(series.values())


# --- the child's own words ----------------------------------------------------------------------


@dataclass
class ChildVoice:
    """One child's words as the assessment holds them now: the latest first."""

    child: object
    words: list[Contribution] = field(default_factory=list)
    last_seen_alone: datetime | None = None

    @property
    def latest(self) -> Contribution | None:
        return self.words[0] if self.words else None

    @property
    def earlier(self) -> list[Contribution]:
        return self.words[1:]


def voice_of_child_current(family, viewer) -> QuerySet[Contribution]:
    """The child's voice now (nothing superseded), as the viewer may read it, newest first."""
    queryset = restrict_to_viewer(
        viewer, Contribution.objects.filter(assessment__family=family, section=Section.VOICE_OF_CHILD)
    )
    return (
        queryset.exclude(Exists(Contribution.objects.filter(supersedes=OuterRef("pk"))))
        .select_related("author", "author_agency", "child", "child__merged_into")
        .order_by("-recorded_at", "-pk")
    )


def child_voices(contributions: Iterable[Contribution], members: Iterable) -> list[ChildVoice]:
    """Each child's words, newest first: the family's children in the family's order (with when
    each was last seen alone), then any child the words name who is no longer in the family.
    `members` are the family members the viewer may see named, with `is_restricted` and
    `last_seen_alone` as cases.selectors.family_members annotates them; words annotated
    `child_restricted` (cases.permissions.behind_restriction) are left out."""
    members = list(members)
    voices = {
        member.person_id: ChildVoice(member.person, last_seen_alone=getattr(member, "last_seen_alone", None))
        for member in members
        if member.person.is_child and not getattr(member, "is_restricted", False)
    }
    hidden = {member.person_id for member in members if getattr(member, "is_restricted", False)}
    ordered = sorted(contributions, key=lambda c: (c.recorded_at, c.pk), reverse=True)
    for contribution in ordered:
        child = contribution.child
        if child is None or getattr(contribution, "child_restricted", False):
            continue
        if child.merged_into_id:  # a duplicate record merged away: its words are the kept child's
            child = child.merged_into
        if child.pk in hidden:
            continue
        voices.setdefault(child.pk, ChildVoice(child)).words.append(contribution)
    return list(voices.values())
