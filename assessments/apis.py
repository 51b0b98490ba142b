"""REST API for the living assessment and threshold indicators."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import selectors, services
from assessments.choices import Section
from assessments.models import Assessment, Contribution, ThresholdDocument, ThresholdIndicator
from assessments.permissions import assessment_family_for_user
from cases.models import Person


class IndicatorSerializer(serializers.ModelSerializer):
    level = serializers.CharField(source="level.code", allow_null=True, default=None)
    level_name = serializers.CharField(source="level.name", allow_null=True, default=None)

    class Meta:
        model = ThresholdIndicator
        fields = ["id", "code", "level", "level_name", "domain", "dimension", "text", "immediate_referral"]


class ContributionOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.__str__")
    author_agency = serializers.StringRelatedField()
    child = serializers.SerializerMethodField()
    indicators = IndicatorSerializer(many=True)
    superseded = serializers.BooleanField(source="is_superseded", default=False)

    class Meta:
        model = Contribution
        fields = [
            "id",
            "section",
            "text",
            "scale",
            "child",
            "indicators",
            "supersedes",
            "superseded",
            "author",
            "author_agency",
            "recorded_at",
        ]

    def get_child(self, contribution) -> dict | None:
        child = contribution.child
        return {"id": child.pk, "name": child.display_name} if child else None


class ContributionInput(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    text = serializers.CharField(max_length=services.MAX_TEXT)
    child_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    scale = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=10)
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
        queryset = selectors.contributions_of(assessment).order_by("-recorded_at", "-pk")
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
            child = Person.objects.filter(pk=values["child_id"], memberships__family=family).first()
            if child is None:
                errors["child_id"] = ["Choose a child in this family."]
        indicators = list(ThresholdIndicator.objects.filter(pk__in=values["indicator_ids"]))
        if len(indicators) != len(set(values["indicator_ids"])):
            errors["indicator_ids"] = ["Some of these indicators do not exist."]
        supersedes = None
        if values["supersedes_id"] is not None:
            supersedes = Contribution.objects.filter(
                pk=values["supersedes_id"], assessment__family=family
            ).first()
            if supersedes is None:
                errors["supersedes_id"] = ["No such contribution in this family's assessment."]
        if errors:
            raise serializers.ValidationError(errors)
        contribution = services.contribution_add(
            family=family,
            by=request.user,
            section=values["section"],
            text=values["text"],
            child=child,
            scale=values["scale"],
            indicators=indicators,
            supersedes=supersedes,
        )
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
