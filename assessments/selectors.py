"""Reads of the living assessment: the current picture, each section's history, and what the
cited indicators suggest."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from assessments.choices import SECTION_GROUPS, Section, SectionGroup
from assessments.models import Assessment, Contribution, ThresholdIndicator, ThresholdLevel
from assessments.permissions import restrict_to_viewer


def contributions_of(assessment: Assessment, viewer=None) -> QuerySet[Contribution]:
    """Contributions to the assessment; with `viewer`, only those that person may read."""
    queryset = Contribution.objects.filter(assessment=assessment)
    if viewer is not None:
        queryset = restrict_to_viewer(viewer, queryset)
    return (
        queryset.annotate(is_superseded=Exists(Contribution.objects.filter(supersedes=OuterRef("pk"))))
        .select_related("author", "author_agency", "child", "supersedes")
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
