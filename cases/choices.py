from django.db import models


class PersonKind(models.TextChoices):
    CHILD = "child", "Child"
    UNBORN = "unborn", "Unborn child"
    ADULT = "adult", "Adult"


class Sex(models.TextChoices):
    """CIN census sex codes."""

    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known"


class Ethnicity(models.TextChoices):
    """DfE ethnicity codes used in the Children in Need census."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy/Roma"
    WOTH = "WOTH", "Any other White background"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Disability(models.TextChoices):
    """CIN census disability codes; a child may have several (or NONE)."""

    NONE = "NONE", "No disability"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Diagnosed with autism or Asperger syndrome"
    DDA = "DDA", "Other disability (Equality Act 2010)"


class UpnUnknown(models.TextChoices):
    """Why a child has no Unique Pupil Number (CIN census UPNunknown)."""

    UN1 = "UN1", "UN1 Child is aged under 6 years and is not yet assigned a UPN"
    UN2 = "UN2", "UN2 Child has never attended a state-funded school in England"
    UN3 = "UN3", "UN3 Child is educated outside England"
    UN4 = "UN4", "UN4 Child is newly arrived in the UK and not yet assigned a UPN"
    UN5 = "UN5", "UN5 Sources collating UPNs show a discrepancy with the child's name or date of birth"
    UN6 = "UN6", "UN6 Child is aged 6 or over and the UPN is not yet known"
    UN7 = "UN7", "UN7 Referral with no further action"


class FamilyRole(models.TextChoices):
    CHILD = "child", "Child"
    PARENT_CARER = "parent_carer", "Parent or carer"
    HOUSEHOLD_ADULT = "household_adult", "Other adult in the household"
    WIDER_FAMILY = "wider_family", "Wider family"
    NETWORK = "network", "Family network (friend, neighbour)"


class RelationshipKind(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    PARENTS_PARTNER = "parents_partner", "Parent's partner"
    GRANDPARENT = "grandparent", "Grandparent"
    AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
    SIBLING = "sibling", "Sibling"
    HALF_SIBLING = "half_sibling", "Half-sibling"
    KINSHIP_CARER = "kinship_carer", "Kinship carer"
    FOSTER_CARER = "foster_carer", "Foster carer"
    OTHER = "other", "Other"


class CaseState(models.TextChoices):
    """A case is one episode of the family's involvement; a closed case is never reopened
    (a new episode is opened instead, so each episode's history stays whole)."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# The case state machine, declared once. Services move cases only along these edges.
CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseState.OPEN: {CaseState.CLOSED},
    CaseState.CLOSED: set(),
}


class ClosureReason(models.TextChoices):
    """CIN census reasons for closure."""

    RC1 = "RC1", "RC1 Adopted"
    RC2 = "RC2", "RC2 Died"
    RC3 = "RC3", "RC3 Child arrangements order"
    RC4 = "RC4", "RC4 Special guardianship order"
    RC5 = "RC5", "RC5 Transferred to another local authority"
    RC6 = "RC6", "RC6 Transferred to adult social care"
    RC7 = "RC7", "RC7 Services ceased for any other reason"
    RC8 = "RC8", "RC8 Closed after assessment, no further action"
    RC9 = "RC9", "RC9 Closed after assessment, referred to early help"


class AllocationRole(models.TextChoices):
    KEY_WORKER = "key_worker", "Key worker"
    ECPP = "ecpp", "Expert child protection practitioner (co-worker)"
    CO_WORKER = "co_worker", "Co-worker"


# Roles with at most one current holder per case.
SINGLE_HOLDER_ALLOCATION_ROLES = (AllocationRole.KEY_WORKER, AllocationRole.ECPP)


class ChronologyKind(models.TextChoices):
    # Written by the system inside services.
    CASE_OPENED = "case_opened", "Case opened"
    CASE_ALLOCATED = "case_allocated", "Case allocated"
    ALLOCATION_ENDED = "allocation_ended", "Allocation ended"
    CASE_CLOSED = "case_closed", "Case closed"
    FAMILY_MEMBER_ADDED = "family_member_added", "Added to the family record"
    RELATIONSHIP_RECORDED = "relationship_recorded", "Relationship recorded"
    ADDRESS_CHANGED = "address_changed", "Address changed"
    INVOLVEMENT_STARTED = "involvement_started", "Practitioner involved with the family"
    INVOLVEMENT_ENDED = "involvement_ended", "Practitioner's involvement ended"
    IMMEDIATE_REFERRAL_INDICATOR = "immediate_referral_indicator", "Immediate-referral indicator cited"
    DECISION_PROPOSED = "decision_proposed", "Decision proposed"
    DECISION_RETURNED = "decision_returned", "Proposed decision returned"
    DECISION_RECORDED = "decision_recorded", "Decision recorded"
    PATHWAY_CHANGED = "pathway_changed", "Pathway changed"
    PLAN_CHANGED = "plan_changed", "Plan started, changed or reviewed"
    CONTACT_TRIAGED = "contact_triaged", "Request for support triaged at the front door"
    DISAGREEMENT_RAISED = "disagreement_raised", "Professional disagreement raised"
    RECORDS_MERGED = "records_merged", "Duplicate records merged"
    TIMESCALE_MISSED = "timescale_missed", "Timescale missed"
    CASE_TRANSFERRED = "case_transferred", "Case transferred to another team"
    CONSENT_RECORDED = "consent_recorded", "Family's consent recorded"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Family's consent withdrawn"
    STEP_DOWN = "step_down", "Step-down to early help"
    PERSON_DETAILS = "person_details", "Person's details updated"
    CHILD_RECORD = "child_record", "Child's statutory record"
    FAMILY_FEEDBACK = "family_feedback", "Family's feedback on the help they got"
    SUPERVISION = "supervision", "Case supervised"
    FGC_REFERRAL = "fgc_referral", "Referred for a family group conference"
    FGC_CONFERENCE = "fgc_conference", "Family group conference"
    CASE_REVIEWED = "case_reviewed", "Case reviewed for drift"
    # Recorded by practitioners.
    NOTE = "note", "Case note"
    HOME_VISIT = "home_visit", "Home visit"
    CONVERSATION = "conversation", "Conversation with the family"
    PHONE_CALL = "phone_call", "Phone call"
    MEETING = "meeting", "Meeting"
    SCHOOL_CONTACT = "school_contact", "School contact"
    HEALTH_CONTACT = "health_contact", "Health appointment or contact"
    POLICE_INCIDENT = "police_incident", "Police incident"
    OTHER_EVENT = "other_event", "Other significant event"


SYSTEM_CHRONOLOGY_KINDS = frozenset(
    {
        ChronologyKind.CASE_OPENED,
        ChronologyKind.CASE_ALLOCATED,
        ChronologyKind.ALLOCATION_ENDED,
        ChronologyKind.CASE_CLOSED,
        ChronologyKind.FAMILY_MEMBER_ADDED,
        ChronologyKind.RELATIONSHIP_RECORDED,
        ChronologyKind.ADDRESS_CHANGED,
        ChronologyKind.INVOLVEMENT_STARTED,
        ChronologyKind.INVOLVEMENT_ENDED,
        ChronologyKind.IMMEDIATE_REFERRAL_INDICATOR,
        ChronologyKind.DECISION_PROPOSED,
        ChronologyKind.DECISION_RETURNED,
        ChronologyKind.DECISION_RECORDED,
        ChronologyKind.PATHWAY_CHANGED,
        ChronologyKind.PLAN_CHANGED,
        ChronologyKind.CONTACT_TRIAGED,
        ChronologyKind.DISAGREEMENT_RAISED,
        ChronologyKind.RECORDS_MERGED,
        ChronologyKind.TIMESCALE_MISSED,
        ChronologyKind.CASE_TRANSFERRED,
        ChronologyKind.CONSENT_RECORDED,
        ChronologyKind.CONSENT_WITHDRAWN,
        ChronologyKind.STEP_DOWN,
        ChronologyKind.PERSON_DETAILS,
        ChronologyKind.CHILD_RECORD,
        ChronologyKind.SUPERVISION,
        ChronologyKind.FGC_REFERRAL,
        ChronologyKind.FGC_CONFERENCE,
        ChronologyKind.CASE_REVIEWED,
        ChronologyKind.FAMILY_FEEDBACK,
    }
)
PRACTITIONER_CHRONOLOGY_KINDS = [
    (kind.value, kind.label) for kind in ChronologyKind if kind not in SYSTEM_CHRONOLOGY_KINDS
]


class Pathway(models.IntegerChoices):
    """The four proportionate pathways (DOMAIN.md)."""

    ADVICE = 1, "1. Advice and information"
    FAMILY_HELP = 2, "2. Family help"
    REDUCE_RISK = 3, "3. Support to reduce risk"
    PREVENT_HARM = 4, "4. Support to prevent significant harm"

    @property
    def statutory_basis(self) -> str:
        return {
            1: "Children Act 2004 s10",
            2: "Children Act 1989 s17",
            3: "Children Act 1989 s17",
            4: "Children Act 1989 s47",
        }[self.value]

    @property
    def short_label(self) -> str:
        return {
            1: "Advice and information",
            2: "Family help",
            3: "Reduce risk",
            4: "Prevent significant harm",
        }[self.value]


# Where a case may open (cases.services.case_open): 3 and 4 are reached only through a decision
# point (pathways.services), which records who decided and, at 4, brings in the ECPP.
OPENING_PATHWAYS = [
    (Pathway.ADVICE.value, Pathway.ADVICE.label),
    (Pathway.FAMILY_HELP.value, Pathway.FAMILY_HELP.label),
]


# --- The access log and restricted records ---------------------------------------------------


class RecordType(models.TextChoices):
    PERSON = "person", "Person"
    FAMILY = "family", "Family"
    CASE = "case", "Case"
    CONTACT = "contact", "Request for support"
    ACCESS_LOG = "access_log", "Access log export"
    RESTRICTION = "restriction", "Restricted record"
    STATUTORY_RETURN = "statutory_return", "Statutory return (every child in it)"


class Via(models.TextChoices):
    PAGE = "page", "Page"
    API = "api", "API"
    EXPORT = "export", "Export"


class RestrictionCategory(models.TextChoices):
    HIGH_PROFILE = "high_profile", "High-profile family or child"
    STAFF_FAMILY = "staff_family", "A member of staff's family"
    ADOPTION = "adoption", "Adoption"
    OTHER = "other", "Other (explain in the reason)"


class RestrictionEventKind(models.TextChoices):
    MARKED = "marked", "Restricted"
    NAMED = "named", "User named"
    UNNAMED = "unnamed", "User no longer named"
    LIFTED = "lifted", "Restriction lifted"


# What a manager may restrict, and what someone may break glass to open.
RESTRICTABLE_RECORDS = [(RecordType.FAMILY.value, "Family"), (RecordType.PERSON.value, "Person")]
OPENABLE_RECORDS = [(RecordType.CASE.value, "Case"), *RESTRICTABLE_RECORDS]


# --- families' feedback on the help they got (cases/services.py feedback_*) --------------------


class FeedbackAnswer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class AskAgainAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NOT_SURE = "not_sure", "Not sure"
    NO = "no", "No"


class FeedbackVia(models.TextChoices):
    ONLINE = "online", "Online, by the link sent to the family"
    CONVERSATION = "conversation", "Recorded by a worker from a conversation"


class FeedbackInvitationEventKind(models.TextChoices):
    SENT = "sent", "Link made for the family"
    USED = "used", "Feedback given by the link"
    REVOKED = "revoked", "Link withdrawn"


# The three questions, as the family reads them (the public form and the worker's form alike).
FEEDBACK_QUESTIONS = {
    "help_right": "Was the help you got the right help for your family?",
    "listened_to": "Did you feel listened to?",
    "ask_again": "If you needed help again, would you ask us?",
}
