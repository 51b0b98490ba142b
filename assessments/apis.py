"""REST API for the living assessment and threshold indicators."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import selectors, services
from assessments.choices import ConversationKind, GatheredBy, ScaledBy, Section
from assessments.models import Assessment, Contribution, Conversation, ThresholdDocument, ThresholdIndicator
from assessments.permissions import assessment_family_for_user, restrict_to_viewer
from cases.models import Person
from config.api import OutputSerializer
from config.limits import LONG_TEXT


class IndicatorSerializer(OutputSerializer):
    level = serializers.CharField(source="level.code", allow_null=True, default=None)
    level_name = serializers.CharField(source="level.name", allow_null=True, default=None)

    class Meta:
        model = ThresholdIndicator
        fields = ["id", "code", "level", "level_name", "domain", "dimension", "text", "immediate_referral"]


class PersonBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _person(person) -> dict | None:
    return {"id": person.pk, "name": person.display_name} if person else None


SCALE_ERRORS = {
    key: "Give the scale as a whole number from 0 (the child will be harmed) to 10 (safe enough to close)."
    for key in ("invalid", "min_value", "max_value", "max_string_length")
}


def scale_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=10, error_messages=SCALE_ERRORS
    )


def scaled_by_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=ScaledBy.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Whose scale it is (required with section how_worried, else empty)",
    )


def gathered_by_field() -> serializers.ChoiceField:
    # All of GatheredBy (one enum in the schema); the service refuses "not_recorded" for new words.
    return serializers.ChoiceField(
        choices=GatheredBy.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="How the child's words were gathered (required with section voice_of_child, else empty)",
    )


class ContributionOutput(OutputSerializer):
    author = serializers.CharField(source="author.__str__")
    author_agency = serializers.StringRelatedField()
    child = serializers.SerializerMethodField()
    scaled_by_person = serializers.SerializerMethodField()
    indicators = IndicatorSerializer(many=True)
    superseded = serializers.BooleanField(source="is_superseded", default=False)

    class Meta:
        model = Contribution
        fields = [
            "id",
            "section",
            "text",
            "scale",
            "scaled_by",
            "scaled_by_person",
            "child",
            "gathered_by",
            "indicators",
            "supersedes",
            "superseded",
            "author",
            "author_agency",
            "recorded_at",
        ]

    @extend_schema_field(PersonBrief(allow_null=True))
    def get_child(self, contribution) -> dict | None:
        return _person(contribution.child)

    @extend_schema_field(PersonBrief(allow_null=True))
    def get_scaled_by_person(self, contribution) -> dict | None:
        return _person(contribution.scaled_by_person)


class ContributionInput(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    text = serializers.CharField(max_length=services.MAX_TEXT)
    child_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    scale = scale_field()
    scaled_by = scaled_by_field()
    scaled_by_person_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For the family's or the child's scale: the member of the family who gave it",
    )
    gathered_by = gathered_by_field()
    indicator_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    supersedes_id = serializers.IntegerField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(
        summary="Every contribution to the family's assessment (newest first, with corrections)"
    ),
    create=extend_schema(
        summary="Add to the family's assessment",
        request=ContributionInput,
        responses={201: ContributionOutput},
    ),
)
class ContributionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ContributionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contribution.objects.none()
        family = assessment_family_for_user(self.request.user, self.kwargs["family_pk"])
        assessment = Assessment.objects.filter(family=family).first()
        if assessment is None:
            return Contribution.objects.none()
        queryset = selectors.contributions_of(assessment, self.request.user).order_by("-recorded_at", "-pk")
        if self.request.query_params.get("current") in ("1", "true"):
            queryset = queryset.filter(is_superseded=False)
        return queryset

    def create(self, request, *args, **kwargs):
        family = assessment_family_for_user(request.user, self.kwargs["family_pk"], "contribute")
        data = ContributionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        errors = {}
        child = None
        if values["child_id"] is not None:
            child = (
                Person.objects.restrict(request.user)
                .filter(pk=values["child_id"], memberships__family=family)
                .first()
            )
            if child is None:
                errors["child_id"] = ["Choose a child in this family."]
        scaled_by_person = None
        if values["scaled_by_person_id"] is not None:
            scaled_by_person = (
                Person.objects.restrict(request.user)
                .filter(pk=values["scaled_by_person_id"], memberships__family=family)
                .first()
            )
            if scaled_by_person is None:
                errors["scaled_by_person_id"] = ["Choose a member of this family."]
        indicators = list(ThresholdIndicator.objects.filter(pk__in=values["indicator_ids"]))
        if len(indicators) != len(set(values["indicator_ids"])):
            errors["indicator_ids"] = ["Some of these indicators do not exist."]
        supersedes = None
        if values["supersedes_id"] is not None:
            supersedes = (
                restrict_to_viewer(request.user, Contribution.objects.filter(assessment__family=family))
                .filter(pk=values["supersedes_id"])
                .first()
            )
            if supersedes is None:
                errors["supersedes_id"] = ["No such contribution in this family's assessment."]
        if errors:
            raise serializers.ValidationError(errors)
        try:
            contribution = services.contribution_add(
                family=family,
                by=request.user,
                section=values["section"],
                text=values["text"],
                child=child,
                scale=values["scale"],
                scaled_by=values["scaled_by"],
                scaled_by_person=scaled_by_person,
                gathered_by=values["gathered_by"],
                indicators=indicators,
                supersedes=supersedes,
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {
                    ("scaled_by_person_id" if field == "scaled_by_person" else field): messages
                    for field, messages in exc.message_dict.items()
                }
            ) from None
        contribution = selectors.contributions_of(contribution.assessment).get(pk=contribution.pk)
        return Response(ContributionOutput(contribution).data, status=status.HTTP_201_CREATED)


class IndicatorListView(APIView):
    @extend_schema(
        summary="Indicators of the threshold document in use", responses=IndicatorSerializer(many=True)
    )
    def get(self, request):
        try:
            document = services.threshold_document_current()
        except ThresholdDocument.DoesNotExist as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        indicators = document.indicators.select_related("level").order_by("position")
        return Response(IndicatorSerializer(indicators, many=True).data)


class ContributionDraftInput(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    text = serializers.CharField(max_length=services.MAX_TEXT)
    child_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    scale = scale_field()
    scaled_by = scaled_by_field()
    gathered_by = gathered_by_field()
    indicator_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class ConversationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConversationKind.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    present = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    children_seen_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    children_seen_alone_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    discussed = serializers.CharField(
        max_length=LONG_TEXT,
    )
    family_words = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    child_words = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    contributions = ContributionDraftInput(many=True, required=False, default=list)


class ConversationOutput(OutputSerializer):
    author = serializers.CharField(source="author.__str__")
    author_agency = serializers.StringRelatedField()
    children_seen = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    children_seen_alone = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    contribution_ids = serializers.PrimaryKeyRelatedField(source="contributions", many=True, read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "kind",
            "occurred_at",
            "location",
            "present",
            "children_seen",
            "children_seen_alone",
            "discussed",
            "family_words",
            "child_words",
            "contribution_ids",
            "chronology_entry",
            "author",
            "author_agency",
        ]


@extend_schema_view(
    list=extend_schema(summary="Conversations and visits with the family, newest first"),
    create=extend_schema(
        summary="Record a conversation or visit",
        request=ConversationInput,
        responses={201: ConversationOutput},
    ),
)
class ConversationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ConversationOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        family = assessment_family_for_user(self.request.user, self.kwargs["family_pk"])
        return (
            restrict_to_viewer(self.request.user, Conversation.objects.filter(family=family))
            .select_related("author", "author_agency")
            .prefetch_related("children_seen", "children_seen_alone", "contributions")
        )

    def create(self, request, *args, **kwargs):
        family = assessment_family_for_user(request.user, self.kwargs["family_pk"], "contribute")
        data = ConversationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        people = {p.pk: p for p in Person.objects.filter(memberships__family=family)}
        errors = {}
        seen = [people[pk] for pk in values.pop("children_seen_ids") if pk in people]
        alone = [people[pk] for pk in values.pop("children_seen_alone_ids") if pk in people]
        if len(seen) != len(data.validated_data["children_seen_ids"]) or len(alone) != len(
            data.validated_data["children_seen_alone_ids"]
        ):
            errors["children_seen_ids"] = ["Choose children of this family."]
        drafts = []
        for number, draft in enumerate(values.pop("contributions"), start=1):
            indicators = tuple(ThresholdIndicator.objects.filter(pk__in=draft["indicator_ids"]))
            child = people.get(draft["child_id"]) if draft["child_id"] is not None else None
            if draft["child_id"] is not None and child is None:
                errors[f"contributions.{number}.child_id"] = ["Choose a child in this family."]
            drafts.append(
                services.ContributionDraft(
                    section=draft["section"],
                    text=draft["text"],
                    child=child,
                    scale=draft["scale"],
                    scaled_by=draft["scaled_by"],
                    gathered_by=draft["gathered_by"],
                    indicators=indicators,
                )
            )
        if errors:
            raise serializers.ValidationError(errors)
        conversation = services.conversation_record(
            family=family,
            case=family.cases.filter(state="open").first(),
            by=request.user,
            children_seen=seen,
            children_seen_alone=alone,
            contributions=drafts,
            **values,
        )
        return Response(ConversationOutput(conversation).data, status=status.HTTP_201_CREATED)


class ScalePointOutput(serializers.Serializer):
    contribution_id = serializers.IntegerField()
    at = serializers.DateTimeField(
        help_text="When the scale was given (the conversation's time, else when written)"
    )
    scale = serializers.IntegerField(min_value=0, max_value=10)
    person = serializers.SerializerMethodField()
    author = serializers.CharField()

    @extend_schema_field(PersonBrief(allow_null=True))
    def get_person(self, point) -> dict | None:
        return _person(point.person)


class ScaleSeriesOutput(serializers.Serializer):
    scaled_by = serializers.ChoiceField(choices=ScaledBy.choices)
    label = serializers.CharField()
    points = ScalePointOutput(many=True)


class ScalingOutput(serializers.Serializer):
    series = ScaleSeriesOutput(many=True)


class ScalingView(APIView):
    @extend_schema(
        summary="The Signs of Safety scale over time: one series per whose scale it is, oldest first",
        responses=ScalingOutput,
    )
    def get(self, request, family_pk: int):
        family = assessment_family_for_user(request.user, family_pk)
        assessment = Assessment.objects.filter(family=family).first()
        series = selectors.scaling_series(assessment, request.user)
        return Response(ScalingOutput({"series": series}).data)
