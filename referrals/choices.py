from django.db import models


class Channel(models.TextChoices):
    PROFESSIONAL = "professional", "Request from a professional (multi-agency request form)"
    FAMILY = "family", "A family asking for help"
    PHONE = "phone", "Phone call to the front door"
    API = "api", "Sent by another system"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent: today"
    IMMEDIATE = "immediate", "A child may be at risk of significant harm now"


URGENCY_RANK = {Urgency.IMMEDIATE: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class FamilyConsent(models.TextChoices):
    YES = "yes", "Yes, the family agrees to this request"
    NO = "no", "No, the family does not agree"
    NOT_ASKED = "not_asked", "Not asked (say why)"


class ContactState(models.TextChoices):
    RECEIVED = "received", "Received, waiting for triage"
    AWAITING_ECPP = "awaiting_ecpp", "Waiting for an expert child protection practitioner to confirm"
    WITH_EHH = "with_ehh", "Reassigned to the Early Help Hub, waiting for its review"
    TRIAGED = "triaged", "Triaged"


# The contact state machine, declared once. A triager who may decide the outcome records it
# (received -> triaged). Pathway 4 is decided only by an expert child protection practitioner,
# so the front door proposes it (received -> awaiting_ecpp); the ECPP's confirmation finishes the
# triage, and a return sends the contact back to the queue.
# A contact below the social care threshold where early help may help is reassigned to the Early
# Help Hub (received -> with_ehh, step-down route (a)); the hub's review finishes it, or returns it
# to the queue.
CONTACT_TRANSITIONS: dict[str, set[str]] = {
    ContactState.RECEIVED: {ContactState.AWAITING_ECPP, ContactState.TRIAGED, ContactState.WITH_EHH},
    ContactState.AWAITING_ECPP: {ContactState.TRIAGED, ContactState.RECEIVED},
    ContactState.WITH_EHH: {ContactState.TRIAGED, ContactState.RECEIVED},
    ContactState.TRIAGED: set(),
}


class TriageOutcome(models.TextChoices):
    """What the front door decides (DOMAIN.md, Front door step 3). The pathway values are the
    decision outcomes of pathways.choices.Outcome; NFA and signposting close nothing."""

    PATHWAY_1 = "pathway_1", "Pathway 1: advice and information (advice given)"
    PATHWAY_2 = "pathway_2", "Pathway 2: family help"
    PATHWAY_3 = "pathway_3", "Pathway 3: support to reduce risk"
    PATHWAY_4 = "pathway_4", "Pathway 4: strategy discussion (an ECPP decides)"
    EARLY_HELP = "early_help", "Early help: reassign to the Early Help Hub (the family consents)"
    NFA = "nfa", "No further action"
    SIGNPOST = "signpost", "Signpost to universal services"


CASE_OUTCOMES = frozenset(
    {TriageOutcome.PATHWAY_1, TriageOutcome.PATHWAY_2, TriageOutcome.PATHWAY_3, TriageOutcome.PATHWAY_4}
)
ADVICE_OUTCOMES = frozenset({TriageOutcome.PATHWAY_1, TriageOutcome.SIGNPOST})

# The outcome as the referrer reads it in the feedback letter: plain words, no jargon.
OUTCOME_IN_PLAIN_WORDS = {
    TriageOutcome.PATHWAY_1: (
        "We have given advice and information about help that is available. "
        "We are not starting support from our family help service."
    ),
    TriageOutcome.PATHWAY_2: (
        "We will offer the family help from our family help service. A worker will contact the family."
    ),
    TriageOutcome.PATHWAY_3: (
        "A social worker will work with the family to understand what is happening and to "
        "reduce the risk to the child."
    ),
    TriageOutcome.PATHWAY_4: (
        "We are worried that a child may be at risk of significant harm. We are looking into this "
        "urgently under child protection procedures, with the police and health services."
    ),
    TriageOutcome.EARLY_HELP: (
        "We have passed the request to our Early Help Hub, as the family agreed. The hub will look at "
        "what support is already in place and arrange early help with the family."
    ),
    TriageOutcome.NFA: "We are not taking any further action on this request.",
    TriageOutcome.SIGNPOST: (
        "We have pointed the family to services that can help (for example their school, GP, "
        "children's centre or a local organisation)."
    ),
}


class FeedbackMethod(models.TextChoices):
    ONLINE = "online", "On Continuum (the referrer's requests page) and by email if we have one"
    EMAIL = "email", "By email"
    PHONE = "phone", "By phone, with the letter sent after"
    POST = "post", "By post"


class SubjectRole(models.TextChoices):
    CHILD = "child", "Child or young person"
    UNBORN = "unborn", "Unborn child"
    ADULT = "adult", "Parent, carer or other adult"
