"""People, families, cases and the chronology.

Case state machine (declared once in cases.choices.CASE_TRANSITIONS): open -> closed. A closed
case is never reopened; the family gets a new case (episode). Only cases/services.py changes
state, and every change writes a ChronologyEntry in the same transaction.
"""

import hashlib
from datetime import date

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from cases.choices import (
    SINGLE_HOLDER_ALLOCATION_ROLES,
    AllocationRole,
    AskAgainAnswer,
    CaseState,
    ChronologyKind,
    ClosureReason,
    Ethnicity,
    FamilyRole,
    FeedbackAnswer,
    FeedbackInvitationEventKind,
    FeedbackVia,
    Pathway,
    PersonKind,
    RecordType,
    RelationshipKind,
    RestrictionCategory,
    RestrictionEventKind,
    Sex,
    UpnUnknown,
    Via,
)
from cases.validators import validate_nhs_number, validate_upn
from config.models import HashChain, HistoryEvent, hash_chain_columns, no_truncate
from config.visibility import RestrictedQuerySet


class Person(models.Model):
    """A child, an unborn child (with an expected date of birth) or an adult."""

    kind = models.CharField(max_length=16, choices=PersonKind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    middle_names = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    preferred_name = models.CharField(max_length=100, blank=True, help_text="What they like to be called")
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOBT)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True, validators=[validate_nhs_number])
    upn = models.CharField("Unique Pupil Number", max_length=13, blank=True, validators=[validate_upn])
    # What the statutory returns need of a child (CIN census ChildIdentifiers and
    # ChildCharacteristics), recorded on the person's page.
    former_upn = models.CharField(
        "former Unique Pupil Number", max_length=13, blank=True, validators=[validate_upn]
    )
    upn_unknown_reason = models.CharField(
        "why the UPN is not known", max_length=3, choices=UpnUnknown.choices, blank=True
    )
    disabilities = ArrayField(
        models.CharField(max_length=4),
        default=list,
        blank=True,
        help_text="CIN census disability codes; NONE when the child has none; empty until recorded",
    )
    date_of_death = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    # A duplicate merged into another record keeps its row, and everything that points at it
    # (chronology, contributions) stays; reads of the record it was merged into include it.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_duplicates"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merge_reason = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        permissions = [("merge_person", "Can merge duplicate person records")]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
            # Fuzzy name matching at the front door (referrals/matching.py) uses these.
            GinIndex(fields=["first_name"], name="person_first_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["last_name"], name="person_last_name_trgm", opclasses=["gin_trgm_ops"]),
            # A forename and a surname together (cases/matching.py: both must be close), in one
            # index scan: on the two indexes above a short forename ("Ed") alone drags in thousands.
            GinIndex(
                fields=["first_name", "last_name"],
                name="person_names_trgm",
                opclasses=["gin_trgm_ops", "gin_trgm_ops"],
            ),
            # Person search (cases/selectors.py) finds each word as typed in any name: Django's
            # icontains is UPPER(name) LIKE UPPER('%word%'), which only an index on UPPER(name)
            # answers (without these the search reads all 300,000 people).
            GinIndex(OpClass(Upper("first_name"), name="gin_trgm_ops"), name="person_first_upper_trgm"),
            GinIndex(OpClass(Upper("last_name"), name="gin_trgm_ops"), name="person_last_upper_trgm"),
            GinIndex(
                OpClass(Upper("preferred_name"), name="gin_trgm_ops"), name="person_preferred_upper_trgm"
            ),
            GinIndex(OpClass(Upper("middle_names"), name="gin_trgm_ops"), name="person_middle_upper_trgm"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="person_nhs_number_unique"
            ),
            models.UniqueConstraint(fields=["upn"], condition=~Q(upn=""), name="person_upn_unique"),
            models.CheckConstraint(
                condition=Q(
                    kind=PersonKind.UNBORN,
                    expected_date_of_birth__isnull=False,
                    date_of_birth__isnull=True,
                )
                | (~Q(kind=PersonKind.UNBORN) & Q(expected_date_of_birth__isnull=True)),
                name="person_unborn_has_expected_date_only",
            ),
            models.CheckConstraint(
                condition=Q(kind=PersonKind.UNBORN) | ~Q(first_name="") | ~Q(last_name=""),
                name="person_born_has_a_name",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="person_not_merged_into_self"
            ),
            models.CheckConstraint(
                condition=Q(upn="") | Q(upn_unknown_reason=""), name="person_upn_or_reason_unknown"
            ),
            models.CheckConstraint(
                condition=~Q(kind=PersonKind.UNBORN) | Q(sex=Sex.UNKNOWN), name="person_unborn_sex_unknown"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == PersonKind.UNBORN and not self.first_name:
            return f"Unborn baby {self.last_name}".strip()
        return " ".join(part for part in (self.first_name, self.last_name) if part) or "Name not known"

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = date.today()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def is_child(self) -> bool:
        return self.kind in (PersonKind.CHILD, PersonKind.UNBORN)


class Address(models.Model):
    """One line of a person's address history; the current address has no moved_out date."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line_1 = models.CharField(max_length=200)
    line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8)
    moved_in = models.DateField(null=True, blank=True)
    moved_out = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-moved_in", "-pk"]
        verbose_name_plural = "addresses"
        indexes = [models.Index(fields=["postcode"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(moved_out__isnull=True),
                name="address_one_current_per_person",
            ),
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True)
                | Q(moved_in__isnull=True)
                | Q(moved_out__gte=models.F("moved_in")),
                name="address_moved_out_after_moved_in",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.line_1, self.line_2, self.town, self.postcode) if part)


class Family(models.Model):
    """A household and its wider network: the unit Continuum assesses and supports."""

    name = models.CharField(
        max_length=200, help_text="How practitioners refer to the family, e.g. 'Smith family'"
    )
    members = models.ManyToManyField(Person, through="FamilyMember", related_name="families")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return self.name


class FamilyMember(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=FamilyRole.choices)
    lives_in_household = models.BooleanField(default=True)
    joined_on = models.DateField(default=date.today)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["family", "role", "person__date_of_birth"]
        constraints = [models.UniqueConstraint(fields=["family", "person"], name="family_member_once")]

    def __str__(self) -> str:
        return f"{self.person} in {self.family}"


class Relationship(models.Model):
    """How one member of a family relates to another, and whether they hold parental
    responsibility for them (Children Act 1989 s3)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="relationships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships_from")
    relative = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships_to")
    kind = models.CharField(max_length=32, choices=RelationshipKind.choices)
    has_parental_responsibility = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["family", "person", "relative"], name="relationship_once"),
            models.CheckConstraint(
                condition=~Q(person=models.F("relative")), name="relationship_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} is {self.get_kind_display().lower()} of {self.relative}"


class Case(models.Model):
    """One episode of a family's involvement: its current pathway, team and workers."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=16, choices=CaseState.choices, default=CaseState.OPEN)
    pathway = models.PositiveSmallIntegerField(choices=Pathway.choices)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases")
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_worker_cases",
    )
    ecpp = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ecpp_cases",
        verbose_name="expert child protection practitioner",
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=3, choices=ClosureReason.choices, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every change; stale edits are refused"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        permissions = [
            ("view_all_cases", "Can see every case in the local authority"),
            ("view_team_cases", "Can see the cases held by their own teams"),
            ("allocate_case", "Can allocate workers to a case"),
            ("close_case", "Can close a case"),
        ]
        indexes = [
            # The case list, newest first (its ordering), a page at a time without sorting them all.
            models.Index(F("opened_at").desc(), F("id").desc(), name="case_newest_first"),
            models.Index(fields=["team", "state"]),
            models.Index(fields=["key_worker", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(state=CaseState.OPEN),
                name="case_one_open_per_family",
            ),
            models.CheckConstraint(
                condition=(Q(state=CaseState.OPEN) & Q(closed_at__isnull=True) & Q(closure_reason=""))
                | (Q(state=CaseState.CLOSED) & Q(closed_at__isnull=False) & ~Q(closure_reason="")),
                name="case_closed_fields_match_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.family}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"C{self.pk:06d}" if self.pk else "C(new)"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN


class Allocation(models.Model):
    """Who works with a case, in which role, from when to when. Ended, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="allocations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations")
    role = models.CharField(max_length=16, choices=AllocationRole.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "role"],
                condition=Q(ended_at__isnull=True, role__in=SINGLE_HOLDER_ALLOCATION_ROLES),
                name="allocation_one_current_holder",
            ),
            models.UniqueConstraint(
                fields=["case", "user", "role"],
                condition=Q(ended_at__isnull=True),
                name="allocation_current_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} on {self.case.reference}"


class Involvement(models.Model):
    """A practitioner (usually of a partner agency) working with a family: what lets them see
    the family's record and contribute to it."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="involvements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="involvements")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    role_description = models.CharField(max_length=200, help_text="e.g. designated safeguarding lead")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "user"],
                condition=Q(ended_at__isnull=True),
                name="involvement_current_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.agency}) with {self.family}"


# What each chained row's hash covers (config/models.py HashChain): every column but the chain's
# own (tests/test_history_chain.py checks). Changing a list needs a migration that re-chains.
CHRONOLOGY_CHAINED = (
    "id", "family", "case", "subject", "kind", "occurred_at", "recorded_at", "summary", "detail",
    "author", "author_agency",
)  # fmt: skip
ACCESS_LOG_CHAINED = (
    "id", "at", "user", "record_type", "record_id", "family_id", "route", "method", "via", "reason",
    "sha256",
)  # fmt: skip


class ChronologyEntry(models.Model):
    """The append-only timeline of a family. The database refuses UPDATE and DELETE (a trigger),
    so a wrong entry is answered by a later entry, never by editing history."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="chronology")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="chronology")
    subject = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chronology",
        help_text="The child or adult the entry is about, when it is about one person",
    )
    kind = models.CharField(max_length=32, choices=ChronologyKind.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chain_seq, row_hash = hash_chain_columns()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "chronology entries"
        indexes = [
            models.Index(fields=["family", "-occurred_at"]),
            models.Index(fields=["case", "-occurred_at"]),
        ]
        triggers = [
            pgtrigger.Protect(
                name="chronology_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            no_truncate("chronology_no_truncate"),
            HashChain(name="chronology_hash_chain", fields=CHRONOLOGY_CHAINED),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d %b %Y} {self.summary}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct table: per-case access (allocation). Filterable by integer join."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class FamilyUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct table: per-family access (a practitioner's involvement)."""

    content_object = models.ForeignKey(Family, on_delete=models.CASCADE)


# --- The access log and restricted records ------------------------------------------------------
# Every read of a child's or family's record is logged here (cases/access_log.py writes it), and
# every visibility queryset in cases/permissions.py leaves out records behind a restriction. Both
# live with the records they guard so that every app above can apply them; audit/ holds the
# auditors' pages and the restriction workflow (marking, naming, lifting, breaking glass).


class AccessLogEntry(models.Model):
    """Someone read a record (one row per record per request). Append-only, refused at the
    database level (a trigger on every partition).

    The table is partitioned by month of `at` (PostgreSQL's declarative partitioning, made by cases
    0016; audit.services.access_log_partitions_maintain keeps months ahead made and, with
    ACCESS_LOG_RETENTION_MONTHS set, drops whole months past it). Its primary key in the database
    is (id, at), as partitioning needs; `id` alone is unique in practice (one sequence)."""

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # indexed by (user, at) below
    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    record_id = models.PositiveBigIntegerField()
    family_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The family the record belongs to"
    )
    route = models.CharField(max_length=200, help_text="The page or API route, not the full URL")
    method = models.CharField(max_length=8)
    via = models.CharField(max_length=8, choices=Via.choices)
    reason = models.TextField(blank=True, help_text="Why, where a reason was asked for")
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="Of an exported file, to verify a printed copy"
    )
    chain_seq, row_hash = hash_chain_columns(unique=False)

    class Meta:
        db_table = "audit_accesslogentry"  # made in audit, moved here (cases 0010)
        ordering = ["-at", "-pk"]
        verbose_name_plural = "access log entries"
        indexes = [
            models.Index(fields=["chain_seq"], name="access_log_chain_seq"),
            models.Index(fields=["family_id", "at"]),
            models.Index(fields=["record_type", "record_id", "at"]),
            models.Index(fields=["user", "at"]),
        ]
        permissions = [("view_access_log", "Can search and export the access log")]
        triggers = [
            pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            no_truncate("access_log_no_truncate"),
            HashChain(name="access_log_hash_chain", fields=ACCESS_LOG_CHAINED),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.record_type} {self.record_id} at {self.at:%Y-%m-%d %H:%M}"


class Restriction(models.Model):
    """A person's or family's record that only named users open (high-profile, a member of staff's
    family, adoption). It passes down to everything that hangs off the record: the family's cases,
    assessment, notes, plans and chronology; a restricted person restricts every family they are
    in. Anyone else who could otherwise see the record sees only that a restricted record exists,
    and may break glass with a reason (`BreakGlass`)."""

    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    category = models.CharField(max_length=16, choices=RestrictionCategory.choices)
    reason = models.TextField(help_text="Why the record is restricted, for the people named on it")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        db_table = "audit_restriction"  # made in audit, moved here (cases 0010)
        ordering = ["-marked_at", "-pk"]
        permissions = [("restrict_record", "Can restrict a person's or family's record")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(family__isnull=False, person__isnull=True)
                | models.Q(family__isnull=True, person__isnull=False),
                name="restriction_family_or_person",
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(lifted_at__isnull=True, family__isnull=False),
                name="one_live_restriction_per_family",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True, person__isnull=False),
                name="one_live_restriction_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Restriction R-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("audit:restriction", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.lifted_at is None

    @property
    def record_type(self) -> str:
        return RecordType.FAMILY if self.family_id else RecordType.PERSON

    @property
    def record_id(self) -> int:
        return self.family_id or self.person_id


class RestrictionAccess(models.Model):
    """A user named on a restriction: they open the record as if it were not restricted."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="named")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "audit_restrictionaccess"  # made in audit, moved here (cases 0010)
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["restriction", "user"],
                condition=models.Q(removed_at__isnull=True),
                name="named_once_per_restriction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} named on R-{self.restriction_id}"


class RestrictionEvent(models.Model):
    """The history of a restriction: marked, who was named or taken off, lifted. Append-only."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=RestrictionEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The user named or taken off",
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        db_table = "audit_restrictionevent"  # made in audit, moved here (cases 0010)
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="restriction_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"R-{self.restriction_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class BreakGlass(models.Model):
    """Someone not named on a restriction opened the record anyway, saying why. Their access lasts
    BREAK_GLASS_HOURS; the record's managers are told and the weekly report lists it. Append-only."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="break_glasses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    record_type = models.CharField(
        max_length=16, choices=RecordType.choices, help_text="What they were opening"
    )
    record_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "audit_breakglass"  # made in audit, moved here (cases 0010)
        ordering = ["-at", "-pk"]
        verbose_name_plural = "break-glass openings"
        indexes = [models.Index(fields=["user", "expires_at"])]
        triggers = [
            pgtrigger.Protect(name="break_glass_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.user_id} broke glass on R-{self.restriction_id} at {self.at:%Y-%m-%d %H:%M}"


# --- Families' feedback on the help they got ----------------------------------------------------
# Asked for when a family's plan ends or the case steps down or closes (cases/services.py
# feedback_invite, feedback_record): by a single-use link the worker sends, or recorded by the
# worker from a conversation. The answer goes on the family's chronology.


class FeedbackInvitation(models.Model):
    """A single-use link for a family to give feedback. Only a hash of its token is kept: the
    link is shown once, to the worker who made it. Used (once), expired (FEEDBACK_LINK_DAYS) or
    withdrawn, it opens nothing. States: open -> used | revoked (an open one past expires_at is
    expired); the changes are FeedbackInvitationEvent rows."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="feedback_invitations")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="feedback_invitations")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's token")
    moment = models.CharField(max_length=200, help_text="Why the family is asked now")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="feedback_invitation_used_or_revoked",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback link F{self.pk} for {self.case.reference}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256((token or "").encode()).hexdigest()

    @property
    def state(self) -> str:
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "open"


class FeedbackInvitationEvent(HistoryEvent):
    """A feedback link's history: made, used, withdrawn. Append-only."""

    invitation = models.ForeignKey(FeedbackInvitation, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=FeedbackInvitationEventKind.choices)


class FamilyFeedback(models.Model):
    """What a family said about the help they got. Append-only (a trigger): a mistake is answered
    by the family giving feedback again, never by editing what they said."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="family_feedback")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="feedback")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", help_text="The case's team when given"
    )
    invitation = models.OneToOneField(
        FeedbackInvitation, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback"
    )
    help_right = models.CharField(max_length=8, choices=FeedbackAnswer.choices)
    listened_to = models.CharField(max_length=8, choices=FeedbackAnswer.choices)
    ask_again = models.CharField(max_length=8, choices=AskAgainAnswer.choices)
    comments = models.TextField(blank=True)
    via = models.CharField(max_length=16, choices=FeedbackVia.choices)
    given_by = models.CharField(
        max_length=200, blank=True, help_text="Who in the family gave it, as they described themselves"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The worker who recorded it from a conversation; empty when given online",
    )
    given_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name_plural = "family feedback"
        indexes = [models.Index(fields=["team", "given_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(via=FeedbackVia.ONLINE, invitation__isnull=False, recorded_by__isnull=True)
                | Q(via=FeedbackVia.CONVERSATION, invitation__isnull=True, recorded_by__isnull=False),
                name="family_feedback_online_by_link_or_recorded_by_a_worker",
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="family_feedback_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            no_truncate("family_feedback_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.case.reference} at {self.given_at:%Y-%m-%d}"
