"""Code lists for the statutory returns (Children in Need census, Ofsted Annex A), captured where
they arise so returns need no re-keying (DOMAIN.md "Codes to capture").

Every list here is checked against the DfE's CIN census specification for 2025 to 2026 and
2026 to 2027 (docs/census.md names the sources); update them when a year's specification changes.
"""

from django.db import models


class ReferralSource(models.TextChoices):
    FAMILY = "1A", "1A Family member, relative or carer"
    ACQUAINTANCE = "1B", "1B Acquaintance (including neighbours and child minders)"
    SELF = "1C", "1C Self"
    OTHER_INDIVIDUAL = "1D", "1D Other individual"
    SCHOOL = "2A", "2A Schools"
    EDUCATION = "2B", "2B Education services"
    GP = "3A", "3A Health services: GP"
    HEALTH_VISITOR = "3B", "3B Health services: health visitor"
    SCHOOL_NURSE = "3C", "3C Health services: school nurse"
    PRIMARY_HEALTH = "3D", "3D Health services: other primary health services"
    A_AND_E = "3E", "3E Health services: A&E"
    OTHER_HEALTH = "3F", "3F Health services: other"
    HOUSING = "4", "4 Housing"
    LA_SOCIAL_CARE = "5A", "5A LA services: social care (e.g. adults)"
    LA_OTHER = "5B", "5B LA services: other internal department"
    LA_EXTERNAL = "5C", "5C LA services: external (e.g. from another LA)"
    EARLY_HELP = "5D", "5D LA services: early help"
    POLICE = "6", "6 Police"
    LEGAL = "7", "7 Other legal agency"
    OTHER = "8", "8 Other"
    ANONYMOUS = "9", "9 Anonymous"
    UNKNOWN = "10", "10 Unknown"


class PrimaryNeed(models.TextChoices):
    N0 = "N0", "N0 Not stated"
    N1 = "N1", "N1 Abuse or neglect"
    N2 = "N2", "N2 Child's disability or illness"
    N3 = "N3", "N3 Parental illness or disability"
    N4 = "N4", "N4 Family in acute stress"
    N5 = "N5", "N5 Family dysfunction"
    N6 = "N6", "N6 Socially unacceptable behaviour"
    N7 = "N7", "N7 Low income"
    N8 = "N8", "N8 Absent parenting"
    N9 = "N9", "N9 Cases other than children in need"


_WHO = {"A": "the child", "B": "the parent or carer", "C": "another person in the household"}
_SUBJECTS = [
    ("1", "Alcohol misuse"),
    ("2", "Drug misuse"),
    ("3", "Domestic abuse"),
    ("4", "Mental health"),
    ("5", "Learning disability"),
    ("6", "Physical disability or illness"),
]
# The DfE's current list (CIN census 2025 to 2026 and 2026 to 2027): private fostering is split
# into 8B-8F, and physical and sexual abuse into child-on-child (18B, 19B) and adult-on-child
# (18C, 19C). The order is the specification's.
ASSESSMENT_FACTORS: dict[str, str] = {
    f"{number}{who}": f"{number}{who} {subject}: concerns about {_WHO[who]}"
    for number, subject in _SUBJECTS
    for who in "ABC"
} | {
    "7A": "7A Young carer",
    "8B": "8B Private fostering: overseas children who intend to return",
    "8C": "8C Private fostering: overseas children who intend to stay",
    "8D": "8D Private fostering: UK children in educational placements",
    "8E": "8E Private fostering: UK children making alternative family arrangements",
    "8F": "8F Private fostering: other",
    "9A": "9A Unaccompanied asylum-seeking child",
    "10A": "10A Going or being missing",
    "11A": "11A Child sexual exploitation",
    "12A": "12A Trafficking",
    "13A": "13A Gangs",
    "14A": "14A Socially unacceptable behaviour",
    "15A": "15A Self-harm",
    "16A": "16A Abuse or neglect: neglect",
    "17A": "17A Abuse or neglect: emotional abuse",
    "18B": "18B Abuse or neglect: physical abuse, child on child",
    "18C": "18C Abuse or neglect: physical abuse, adult on child",
    "19B": "19B Abuse or neglect: sexual abuse, child on child",
    "19C": "19C Abuse or neglect: sexual abuse, adult on child",
    "20": "20 Other",
    "21": "21 No factors identified",
    "22A": "22A Female genital mutilation",
    "23A": "23A Abuse linked to faith or belief",
    "24A": "24A Child criminal exploitation",
}
# Withdrawn by the DfE: no longer offered, still readable on assessments authorised before.
WITHDRAWN_FACTORS: dict[str, str] = {
    "18A": "18A Abuse or neglect: physical abuse (withdrawn code)",
    "19A": "19A Abuse or neglect: sexual abuse (withdrawn code)",
}
FACTOR_LABELS = ASSESSMENT_FACTORS | WITHDRAWN_FACTORS
NO_FACTORS = "21"


class AbuseCategory(models.TextChoices):
    NEG = "NEG", "Neglect"
    PHY = "PHY", "Physical abuse"
    SAB = "SAB", "Sexual abuse"
    EMO = "EMO", "Emotional abuse"
    MUL = "MUL", "Multiple categories"


class S47Outcome(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "Concerns not substantiated: no further action under s47"
    CONTINUE_CIN = "continue_cin", "Concerns not substantiated: support as a child in need"
    HOLD_ICPC = "hold_icpc", "Concerns substantiated: hold an initial child protection conference"


ICPC_TARGET_DAYS = 15  # working days from the strategy discussion (DOMAIN.md)
