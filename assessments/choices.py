from django.db import models


class Domain(models.TextChoices):
    """The three sides of the Assessment Triangle (Framework for the Assessment of Children in
    Need and their Families), as the threshold document (002_e74bac9fb9e25764.txt) groups them."""

    CHILD_DEVELOPMENT = "child_development", "Child's developmental needs"
    PARENTING_CAPACITY = "parenting_capacity", "Parenting capacity"
    FAMILY_ENVIRONMENT = "family_environment", "Family and environmental factors"


class SectionGroup(models.TextChoices):
    CHILD_DEVELOPMENT = Domain.CHILD_DEVELOPMENT
    PARENTING_CAPACITY = Domain.PARENTING_CAPACITY
    FAMILY_ENVIRONMENT = Domain.FAMILY_ENVIRONMENT
    SIGNS_OF_SAFETY = "signs_of_safety", "Signs of Safety"
    VOICES = "voices", "Voices"


class Section(models.TextChoices):
    """Where a contribution sits in the one assessment of a family."""

    # Child's developmental needs
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education and learning"
    EMOTIONAL_BEHAVIOURAL = "emotional_behavioural", "Emotional and behavioural development"
    IDENTITY = "identity", "Identity"
    FAMILY_SOCIAL_RELATIONSHIPS = "family_social_relationships", "Family and social relationships"
    SOCIAL_PRESENTATION = "social_presentation", "Social presentation"
    SELF_CARE = "self_care", "Self-care skills"
    # Parenting capacity
    BASIC_CARE = "basic_care", "Basic care"
    ENSURING_SAFETY = "ensuring_safety", "Ensuring safety"
    EMOTIONAL_WARMTH = "emotional_warmth", "Emotional warmth"
    STIMULATION = "stimulation", "Stimulation"
    GUIDANCE_BOUNDARIES = "guidance_boundaries", "Guidance and boundaries"
    STABILITY = "stability", "Stability"
    # Family and environmental factors
    FAMILY_HISTORY = "family_history", "Family history and functioning"
    WIDER_FAMILY = "wider_family", "Wider family"
    HOUSING = "housing", "Housing"
    EMPLOYMENT = "employment", "Employment"
    INCOME = "income", "Income"
    SOCIAL_INTEGRATION = "social_integration", "Family's social integration"
    COMMUNITY_RESOURCES = "community_resources", "Community resources"
    # Signs of Safety: the four questions
    WORKING_WELL = "working_well", "What's working well?"
    WORRIED_ABOUT = "worried_about", "What are we worried about?"
    HOW_WORRIED = "how_worried", "How worried are we? (0-10)"
    NEEDS_TO_HAPPEN = "needs_to_happen", "What needs to happen?"
    # Voices
    VOICE_OF_CHILD = "voice_of_child", "The voice of the child"
    FAMILY_VIEW = "family_view", "The family's own view"


SECTION_GROUPS: dict[str, list[str]] = {
    SectionGroup.CHILD_DEVELOPMENT: [
        Section.HEALTH,
        Section.EDUCATION,
        Section.EMOTIONAL_BEHAVIOURAL,
        Section.IDENTITY,
        Section.FAMILY_SOCIAL_RELATIONSHIPS,
        Section.SOCIAL_PRESENTATION,
        Section.SELF_CARE,
    ],
    SectionGroup.PARENTING_CAPACITY: [
        Section.BASIC_CARE,
        Section.ENSURING_SAFETY,
        Section.EMOTIONAL_WARMTH,
        Section.STIMULATION,
        Section.GUIDANCE_BOUNDARIES,
        Section.STABILITY,
    ],
    SectionGroup.FAMILY_ENVIRONMENT: [
        Section.FAMILY_HISTORY,
        Section.WIDER_FAMILY,
        Section.HOUSING,
        Section.EMPLOYMENT,
        Section.INCOME,
        Section.SOCIAL_INTEGRATION,
        Section.COMMUNITY_RESOURCES,
    ],
    SectionGroup.SIGNS_OF_SAFETY: [
        Section.WORKING_WELL,
        Section.WORRIED_ABOUT,
        Section.HOW_WORRIED,
        Section.NEEDS_TO_HAPPEN,
    ],
    SectionGroup.VOICES: [Section.VOICE_OF_CHILD, Section.FAMILY_VIEW],
}

# Sections about one child in particular (a contribution there names the child).
CHILD_SECTIONS = frozenset(SECTION_GROUPS[SectionGroup.CHILD_DEVELOPMENT]) | {Section.VOICE_OF_CHILD}
# The Signs of Safety scale: 0 (certain the child will be harmed) to 10 (safe enough to close).
SCALE_SECTION = Section.HOW_WORRIED


class ConversationKind(models.TextChoices):
    CONVERSATION = "conversation", "Conversation with the family"
    FAMILY_SUPPORT_CONVERSATION = "family_support_conversation", "Family support conversation (pathway 1)"
    HOME_VISIT = "home_visit", "Home visit"
    OFFICE_VISIT = "office_visit", "Office or centre visit"
    SCHOOL_VISIT = "school_visit", "Visit at school or nursery"
    PHONE_OR_VIDEO = "phone_or_video", "Phone or video call"


class ScaledBy(models.TextChoices):
    """Whose number a Signs of Safety scale is: each person's view is scaled, and kept, apart."""

    PRACTITIONER = "practitioner", "Practitioner"
    FAMILY = "family", "Family (parent or carer)"
    CHILD = "child", "Child"


class GatheredBy(models.TextChoices):
    """How the child's own words and wishes were gathered (the voice of the child)."""

    THREE_HOUSES = "three_houses", "Three houses"
    WIZARDS_AND_FAIRIES = "wizards_and_fairies", "Wizards and fairies"
    WORDS_AND_PICTURES = "words_and_pictures", "Words and pictures"
    DIRECT_CONVERSATION = "direct_conversation", "A direct conversation"
    DRAWING_OR_PLAY = "drawing_or_play", "Drawing or play"
    LETTER_OR_MESSAGE = "letter_or_message", "A letter or message from the child"
    ADVOCATE = "advocate", "Through an advocate"
    OTHER = "other", "Another way"
    # Only for the voice recorded before the app asked how it was gathered (assessments 0003):
    # nobody may choose it now.
    NOT_RECORDED = "not_recorded", "Not recorded (written before the app asked)"


# The ways a practitioner may say the child's words were gathered now.
GATHERED_BY_CHOICES = [
    (value, label) for value, label in GatheredBy.choices if value != GatheredBy.NOT_RECORDED
]
# Whose scale names a person of the family, and which kind of member that person is.
SCALED_BY_PERSON_KINDS = {ScaledBy.FAMILY: "adult", ScaledBy.CHILD: "child"}
