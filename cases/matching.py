"""Person matching at the front door: who, among the people already known, might this be?

Candidates are found and scored in PostgreSQL (pg_trgm similarity on names, with forenames and
surnames tried both ways round and common nicknames expanded; date of birth exact, near or with
day and month swapped; current postcode; NHS number), never by looping over people in Python.
Each candidate comes with the reasons it was suggested. The triager decides; nothing is linked
automatically.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import Greatest

from cases.models import Address, Person
from cases.permissions import behind_restriction, people_visible_to

# Common English given-name variants (both directions are looked up).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "alexander": ("alex", "alec", "sandy"),
    "alexandra": ("alex", "lexi", "sandra"),
    "abigail": ("abi", "abby"),
    "benjamin": ("ben", "benji"),
    "catherine": ("cathy", "cat", "kate", "katie"),
    "charles": ("charlie", "chas"),
    "charlotte": ("charlie", "lottie"),
    "christopher": ("chris", "kit"),
    "christine": ("chris", "chrissie"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davey"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "eleanor": ("ellie", "nell", "nora"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "ellie"),
    "frederick": ("fred", "freddie"),
    "henry": ("harry", "hal"),
    "isabella": ("bella", "izzy", "issy"),
    "jacob": ("jake",),
    "james": ("jim", "jimmy", "jamie"),
    "jennifer": ("jen", "jenny"),
    "john": ("jack", "johnny"),
    "jonathan": ("jon", "jonny"),
    "joseph": ("joe", "joey"),
    "joshua": ("josh",),
    "katherine": ("kate", "katie", "kath"),
    "margaret": ("maggie", "meg", "peggy"),
    "matthew": ("matt",),
    "michael": ("mike", "mick", "mikey"),
    "nicholas": ("nick", "nicky"),
    "oliver": ("ollie",),
    "patricia": ("pat", "trish"),
    "rebecca": ("becky", "becca"),
    "richard": ("rich", "rick", "dick"),
    "robert": ("rob", "bob", "bobby", "robbie"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam",),
    "stephen": ("steve",),
    "steven": ("steve",),
    "susan": ("sue", "susie"),
    "thomas": ("tom", "tommy"),
    "victoria": ("vicky", "tori"),
    "william": ("will", "bill", "billy", "liam"),
}
_VARIANTS: dict[str, set[str]] = {}
for _full, _shorts in NICKNAMES.items():
    for _name in (_full, *_shorts):
        _VARIANTS.setdefault(_name, set()).update({_full, *_shorts})

NAME_FLOOR = 0.3  # pg_trgm's default similarity threshold: below it a name is not a lead
WEIGHTS = {"name": 0.5, "dob": 0.3, "postcode": 0.1, "nhs": 0.1}


@dataclass(frozen=True)
class MatchQuery:
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    nhs_number: str = ""

    def name_variants(self) -> list[str]:
        first = self.first_name.strip().lower()
        return sorted(_VARIANTS.get(first, set()) | {first}) if first else []


@dataclass
class Candidate:
    person: Person
    score: float
    reasons: list[str] = field(default_factory=list)
    restricted: bool = False  # show only as "restricted record — request access"


def _near_dates(born: date) -> list[date]:
    near = [born + timedelta(days=delta) for delta in (-2, -1, 1, 2)]
    if born.day <= 12 and born.day != born.month:
        near.append(date(born.year, born.day, born.month))  # day and month swapped
    return near


def person_candidates(user, query: MatchQuery, *, limit: int = 10) -> list[Candidate]:
    """People the user may see who might be the person described, best first, with reasons."""
    last = query.last_name.strip()
    firsts = query.name_variants()
    postcode = " ".join(query.postcode.upper().split())
    nhs = "".join(query.nhs_number.split())
    leads = Q()
    # Names lead only together (surname and a forename variant, either way round), so a common
    # surname or forename alone never drags in thousands of people to score.
    any_first = Q()
    any_first_as_last = Q()
    for first in firsts:
        any_first |= Q(first_name__trigram_similar=first)
        any_first_as_last |= Q(last_name__trigram_similar=first)
    if last and firsts:
        leads |= Q(last_name__trigram_similar=last) & any_first
        leads |= Q(first_name__trigram_similar=last) & any_first_as_last
    elif last:
        leads |= Q(last_name__trigram_similar=last)
    if query.date_of_birth:
        leads |= Q(date_of_birth__in=[query.date_of_birth, *_near_dates(query.date_of_birth)])
    if nhs:
        leads |= Q(nhs_number=nhs)
    if postcode:
        leads |= Q(
            pk__in=Address.objects.filter(postcode=postcode, moved_out__isnull=True).values("person_id")
        )
    if not leads:
        return []

    zero = Value(0.0, output_field=FloatField())

    def best(field_name: str, names: list[str]):
        parts = [TrigramSimilarity(field_name, name) for name in names if name]
        return Greatest(*parts, zero) if parts else zero

    # Forename and surname as given, or the wrong way round (a common slip at the front door).
    straight = (best("first_name", firsts) + best("last_name", [last])) / 2
    swapped = (best("last_name", firsts) + best("first_name", [last])) / 2
    # Restricted people the user may not open still match (so nobody makes a duplicate of them),
    # but come back marked, to be shown only as "restricted record — request access".
    people = people_visible_to(user, restricted=False).filter(leads, merged_into__isnull=True)
    people = people.annotate(
        is_restricted=behind_restriction(user),
        name_score=Greatest(straight, swapped),
        straight_score=straight,
        dob_score=_dob_score(query.date_of_birth),
        postcode_score=_postcode_score(postcode),
        nhs_score=Case(When(nhs_number=nhs, then=Value(1.0)), default=zero) if nhs else zero,
    ).annotate(
        score=F("name_score") * WEIGHTS["name"]
        + F("dob_score") * WEIGHTS["dob"]
        + F("postcode_score") * WEIGHTS["postcode"]
        + F("nhs_score") * WEIGHTS["nhs"]
    )
    ranked = people.order_by("-nhs_score", "-score", "pk")[:limit]
    return [
        Candidate(person, round(person.score + 0.5 * person.nhs_score, 3), [], restricted=True)
        if person.is_restricted
        else Candidate(person, round(person.score + 0.5 * person.nhs_score, 3), _reasons(person, query))
        for person in ranked
    ]


def _dob_score(born: date | None):
    if born is None:
        return Value(0.0, output_field=FloatField())
    whens = [When(date_of_birth=born, then=Value(1.0))]
    near = _near_dates(born)
    swapped = [d for d in near if abs((d - born).days) > 2]
    if swapped:
        whens.append(When(date_of_birth__in=swapped, then=Value(0.8)))
    whens.append(When(date_of_birth__in=[d for d in near if d not in swapped], then=Value(0.6)))
    whens.append(When(date_of_birth__year=born.year, date_of_birth__month=born.month, then=Value(0.2)))
    return Case(*whens, default=Value(0.0), output_field=FloatField())


def _postcode_score(postcode: str):
    if not postcode:
        return Value(0.0, output_field=FloatField())
    current = Address.objects.filter(person=OuterRef("pk"), moved_out__isnull=True)
    outward = postcode.split(" ")[0]
    return Case(
        When(Exists(current.filter(postcode=postcode)), then=Value(1.0)),
        When(Exists(current.filter(postcode__startswith=f"{outward} ")), then=Value(0.4)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _reasons(person, query: MatchQuery) -> list[str]:
    reasons = []
    if person.nhs_score:
        reasons.append("Same NHS number")
    if person.name_score >= 0.99:
        reasons.append("Same name")
    elif person.name_score >= NAME_FLOOR:
        way = "" if person.straight_score >= person.name_score else " (forename and surname swapped)"
        reasons.append(f"Similar name{way}")
    if person.dob_score == 1.0:
        reasons.append("Same date of birth")
    elif person.dob_score == 0.8:
        reasons.append("Date of birth with day and month swapped")
    elif person.dob_score == 0.6:
        reasons.append("Date of birth within two days")
    elif person.dob_score:
        reasons.append("Born the same month")
    if person.postcode_score == 1.0:
        reasons.append("Lives at the same postcode")
    elif person.postcode_score:
        reasons.append("Lives in the same postcode area")
    return reasons
