"""Writes for the living assessment and the threshold documents."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from assessments.choices import (
    GATHERED_BY_CHOICES,
    SCALE_SECTION,
    SCALED_BY_PERSON_KINDS,
    ConversationKind,
    Domain,
    ScaledBy,
    Section,
)
from assessments.models import (
    Assessment,
    Contribution,
    Conversation,
    ThresholdDocument,
    ThresholdIndicator,
    ThresholdLevel,
)
from cases.choices import ChronologyKind, Pathway
from cases.models import Case, Family, FamilyMember, Person
from cases.services import chronology_write
from config.limits import LONG_TEXT

MAX_TEXT = LONG_TEXT


# --- threshold documents ----------------------------------------------------------------------


def _required(item: dict, key: str, where: str):
    if key not in item or item[key] in (None, ""):
        raise ValueError(f"{where}: '{key}' is missing")
    return item[key]


@transaction.atomic
def threshold_document_load(*, path: Path) -> ThresholdDocument:
    """Create or update a threshold document from its JSON file. Indicators already cited by
    contributions are kept even if the file no longer lists them: history must still read."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    code = _required(data, "code", "document")
    document, _ = ThresholdDocument.objects.update_or_create(
        code=code, defaults={"title": _required(data, "title", "document"), "source": data.get("source", "")}
    )
    levels = {}
    for item in _required(data, "levels", "document"):
        where = f"level {item.get('code')!r}"
        pathway = _required(item, "suggests_pathway", where)
        if pathway not in Pathway.values:
            raise ValueError(f"{where}: suggests_pathway must be 1-4")
        levels[item["code"]], _ = ThresholdLevel.objects.update_or_create(
            document=document,
            code=_required(item, "code", where),
            defaults={
                "rank": _required(item, "rank", where),
                "name": _required(item, "name", where),
                "offer": item.get("offer", ""),
                "description": item.get("description", ""),
                "send": item.get("send", ""),
                "suggests_pathway": pathway,
            },
        )
    position = 0
    for item in _required(data, "indicators", "document"):
        where = f"indicator {item.get('code')!r}"
        level = levels.get(_required(item, "level", where))
        if level is None:
            raise ValueError(f"{where}: unknown level {item['level']!r}")
        if item.get("domain") not in Domain.values:
            raise ValueError(f"{where}: domain must be one of {', '.join(Domain.values)}")
        position += 1
        ThresholdIndicator.objects.update_or_create(
            document=document,
            code=item["code"],
            defaults={
                "level": level,
                "domain": item["domain"],
                "dimension": item.get("dimension", ""),
                "text": _required(item, "text", where),
                "immediate_referral": False,
                "position": position,
            },
        )
    for item in data.get("immediate_referral", []):
        position += 1
        ThresholdIndicator.objects.update_or_create(
            document=document,
            code=_required(item, "code", "immediate-referral indicator"),
            defaults={
                "level": None,
                "domain": "",
                "dimension": "",
                "text": _required(item, "text", f"indicator {item['code']!r}"),
                "immediate_referral": True,
                "position": position,
            },
        )
    return document


def threshold_document_current() -> ThresholdDocument:
    code = settings.THRESHOLD_DOCUMENT
    document = ThresholdDocument.objects.filter(code=code).first()
    if document is None:
        raise ThresholdDocument.DoesNotExist(
            f"Threshold document {code!r} is not loaded: run `manage.py load_thresholds` "
            "(the THRESHOLD_DOCUMENT setting names it)."
        )
    return document


# --- the assessment ---------------------------------------------------------------------------


def assessment_of(family: Family) -> Assessment:
    """The family's assessment, started the first time anyone needs it; never a second one."""
    assessment, _ = Assessment.objects.get_or_create(family=family)
    return assessment


@transaction.atomic
def contribution_add(
    *,
    family: Family,
    by: User,
    section: str,
    text: str,
    child: Person | None = None,
    scale: int | None = None,
    scaled_by: str = "",
    scaled_by_person: Person | None = None,
    gathered_by: str = "",
    indicators: list[ThresholdIndicator] = (),
    supersedes: Contribution | None = None,
    conversation: Conversation | None = None,
) -> Contribution:
    """Add what a practitioner has learned to the family's assessment. To correct an earlier
    contribution, pass it as `supersedes`: it stays in the history, no longer in the picture.

    A scale ('How worried are we?') says whose it is (`scaled_by`: the practitioner's, the family's
    or the child's) and may name the member of the family who gave it (`scaled_by_person`). The
    voice of the child names the child and says how their words were gathered (`gathered_by`)."""
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if section not in Section.values:
        errors["section"] = "Choose the part of the assessment this adds to."
    if not text:
        errors["text"] = "Write what you have learned or observed."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"Keep a contribution under {MAX_TEXT:,} characters: split it into several."
    scaled_by = scaled_by or ""
    gathered_by = gathered_by or ""
    if section == SCALE_SECTION:
        if not _whole_number(scale) or not 0 <= scale <= 10:
            errors["scale"] = (
                "Give a whole number from 0 (the child will be harmed) to 10 (safe enough to close)."
            )
        if scaled_by not in ScaledBy.values:
            errors["scaled_by"] = "Say whose scale this is: the practitioner's, the family's or the child's."
        elif scaled_by_person is not None:
            error = _scaled_by_person_error(family, scaled_by, scaled_by_person)
            if error:
                errors["scaled_by_person"] = error
    else:
        if scale is not None:
            errors["scale"] = "Only 'How worried are we?' takes a 0-10 scale."
        if scaled_by or scaled_by_person is not None:
            errors["scaled_by"] = "Only 'How worried are we?' says whose scale it is."
    if section == Section.VOICE_OF_CHILD:
        if gathered_by not in dict(GATHERED_BY_CHOICES):
            errors["gathered_by"] = "Say how the child's words were gathered."
    elif gathered_by:
        errors["gathered_by"] = "Only the voice of the child says how the child's words were gathered."
    if child is not None:
        is_child_member = FamilyMember.objects.filter(
            family=family, person=child, person__kind__in=["child", "unborn"]
        )
        if not is_child_member.exists():
            errors["child"] = "Choose a child in this family."
    elif section == Section.VOICE_OF_CHILD:
        errors["child"] = "Say which child's voice this is."
    assessment = assessment_of(family)
    if supersedes is not None:
        supersedes = Contribution.objects.select_for_update().filter(pk=supersedes.pk).first()
        if supersedes is None or supersedes.assessment_id != assessment.pk:
            errors["supersedes"] = "You can only correct a contribution to this family's assessment."
        elif supersedes.section != section:
            errors["supersedes"] = "A correction belongs in the same section as what it corrects."
        elif Contribution.objects.filter(supersedes=supersedes).exists():
            errors["supersedes"] = "That contribution has already been corrected: correct the newer one."
    indicators = list(indicators)
    document_ids = {indicator.document_id for indicator in indicators}
    if len(document_ids) > 1:
        errors["indicators"] = "Cite indicators from one threshold document."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                assessment=assessment,
                section=section,
                text=text,
                scale=scale,
                scaled_by=scaled_by,
                scaled_by_person=scaled_by_person,
                child=child,
                gathered_by=gathered_by,
                supersedes=supersedes,
                conversation=conversation,
                author=by,
                author_agency=by.agency,
            )
    except IntegrityError:
        raise ValidationError(
            {"supersedes": "Someone corrected that contribution just now: reload."}
        ) from None
    contribution.indicators.set(indicators)
    immediate = [indicator for indicator in indicators if indicator.immediate_referral]
    if immediate:
        chronology_write(
            family=family,
            subject=child,
            kind=ChronologyKind.IMMEDIATE_REFERRAL_INDICATOR,
            summary="Indicator requiring an immediate referral to social care cited: " + immediate[0].text,
            detail="\n".join(indicator.text for indicator in immediate[1:]),
            author=by,
        )
    return contribution


def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scaled_by_person_error(family: Family, scaled_by: str, person: Person) -> str:
    """Why this person cannot be named as giving the scale, or "" if they can."""
    kind = SCALED_BY_PERSON_KINDS.get(scaled_by)
    if kind is None:
        return "Name a person only for the family's or the child's own scale."
    members = FamilyMember.objects.filter(family=family, person=person)
    if kind == "child":
        if not members.filter(person__kind__in=["child", "unborn"]).exists():
            return "Choose a child in this family."
    elif not members.exclude(person__kind__in=["child", "unborn"]).exists():
        return "Choose a parent, carer or other adult in this family."
    return ""


# --- conversations and visits -----------------------------------------------------------------

CONVERSATION_CHRONOLOGY_KIND = {
    "home_visit": ChronologyKind.HOME_VISIT,
    "office_visit": ChronologyKind.MEETING,
    "school_visit": ChronologyKind.SCHOOL_CONTACT,
    "phone_or_video": ChronologyKind.PHONE_CALL,
}


@dataclass(frozen=True)
class ContributionDraft:
    """A contribution made in a conversation (saved with it, in the same transaction)."""

    section: str
    text: str
    child: Person | None = None
    scale: int | None = None
    indicators: tuple[ThresholdIndicator, ...] = ()
    scaled_by: str = ""
    scaled_by_person: Person | None = None
    gathered_by: str = ""


@transaction.atomic
def conversation_record(
    *,
    family: Family,
    by: User,
    kind: str,
    occurred_at: datetime,
    discussed: str,
    case: Case | None = None,
    location: str = "",
    present: str = "",
    children_seen: list[Person] = (),
    children_seen_alone: list[Person] = (),
    family_words: str = "",
    child_words: str = "",
    contributions: list[ContributionDraft] = (),
) -> Conversation:
    errors: dict[str, str] = {}
    if kind not in ConversationKind.values:
        errors["kind"] = "Choose what kind of conversation or visit it was."
    if occurred_at is None:
        errors["occurred_at"] = "Enter when it happened."
    elif occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = "When it happened must be now or in the past."
    elif occurred_at.year < 1900:
        errors["occurred_at"] = "When it happened must be after 1900."
    if not (discussed or "").strip():
        errors["discussed"] = "Record what was discussed."
    children = set(
        FamilyMember.objects.filter(family=family, person__kind__in=["child", "unborn"]).values_list(
            "person_id", flat=True
        )
    )
    seen = {person.pk for person in children_seen}
    alone = {person.pk for person in children_seen_alone}
    if not seen <= children or not alone <= children:
        errors["children_seen"] = "Choose children of this family."
    elif not alone <= seen:
        errors["children_seen_alone"] = "A child seen alone was seen: tick them as seen too."
    if case is not None and case.family_id != family.pk:
        errors["case"] = "That case belongs to another family."
    if errors:
        raise ValidationError(errors)
    entry = chronology_write(
        family=family,
        case=case,
        kind=CONVERSATION_CHRONOLOGY_KIND.get(kind, ChronologyKind.CONVERSATION),
        summary=f"{ConversationKind(kind).label}: {discussed.strip()[:200]}",
        detail=_seen_summary(children_seen, children_seen_alone),
        occurred_at=occurred_at,
        author=by,
    )
    conversation = Conversation.objects.create(
        family=family,
        case=case,
        kind=kind,
        occurred_at=occurred_at,
        location=location.strip(),
        present=present.strip(),
        discussed=discussed.strip(),
        family_words=family_words.strip(),
        child_words=child_words.strip(),
        chronology_entry=entry,
        author=by,
        author_agency=by.agency,
    )
    conversation.children_seen.set(children_seen)
    conversation.children_seen_alone.set(children_seen_alone)
    for number, draft in enumerate(contributions, start=1):
        try:
            contribution_add(
                family=family,
                by=by,
                section=draft.section,
                text=draft.text,
                child=draft.child,
                scale=draft.scale,
                scaled_by=draft.scaled_by,
                scaled_by_person=draft.scaled_by_person,
                gathered_by=draft.gathered_by,
                indicators=list(draft.indicators),
                conversation=conversation,
            )
        except ValidationError as exc:
            raise ValidationError(
                {f"contributions.{number}.{field}": messages for field, messages in exc.message_dict.items()}
            ) from None
    return conversation


def _seen_summary(seen, alone) -> str:
    if not seen:
        return "No child was seen."
    names = ", ".join(str(child) for child in seen)
    alone_names = ", ".join(str(child) for child in alone)
    return f"Seen: {names}." + (f" Seen alone: {alone_names}." if alone_names else "")
