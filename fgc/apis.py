"""REST API for family group conferences: the same services and permissions as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Person
from config.api import OutputSerializer, VisibleRelatedField
from config.limits import LONG_TEXT
from fgc import selectors, services
from fgc.choices import PlanWorking
from fgc.models import FgcConference, FgcEvent, FgcReferral, FgcReview
from fgc.permissions import case_for_fgc, referral_for_user, referrals_visible_to
from pathways.models import PlanAction
from stepdown.models import Consent


def _renamed(exc: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """A service's field errors under the API's field names (consent -> consent_id, ...)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return DjangoValidationError(
        {names.get(field, field): errors for field, errors in exc.error_dict.items()}
    )


# --- output -------------------------------------------------------------------------------------


class FgcEventOutput(OutputSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = FgcEvent
        fields = ["state", "summary", "detail", "at", "by"]


class FgcConferenceOutput(OutputSerializer):
    class Meta:
        model = FgcConference
        fields = [
            "id",
            "held_on",
            "attendees",
            "attendee_count",
            "family_private_time",
            "notes",
            "recorded_at",
        ]


class FgcReviewOutput(OutputSerializer):
    class Meta:
        model = FgcReview
        fields = ["id", "held_on", "plan_working", "notes", "recorded_at"]


class FgcPlanActionOutput(OutputSerializer):
    class Meta:
        model = PlanAction
        fields = ["id", "what", "who", "by_when", "status", "source"]


class FgcReferralOutput(OutputSerializer):
    consent = serializers.SlugRelatedField(read_only=True, slug_field="reference")
    service = serializers.StringRelatedField()
    referred_by = serializers.StringRelatedField()
    coordinator = serializers.StringRelatedField()
    children = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    events = FgcEventOutput(many=True, read_only=True)
    conferences = FgcConferenceOutput(many=True, read_only=True)
    plan_actions = FgcPlanActionOutput(many=True, read_only=True)
    reviews = FgcReviewOutput(many=True, read_only=True)

    class Meta:
        model = FgcReferral
        fields = [
            "id",
            "reference",
            "case",
            "family",
            "children",
            "consent",
            "service",
            "reason",
            "state",
            "referred_by",
            "referred_at",
            "coordinator",
            "accepted_at",
            "declined_reason",
            "withdrawn_reason",
            "plan_agreed_on",
            "closed_at",
            "version",
            "events",
            "conferences",
            "plan_actions",
            "reviews",
        ]


def _referrals(queryset):
    return queryset.select_related("consent", "service", "referred_by", "coordinator").prefetch_related(
        "children", "events__by", "conferences", "plan_actions", "reviews"
    )


# --- input --------------------------------------------------------------------------------------


class FgcReferralInput(serializers.Serializer):
    consent_id = VisibleRelatedField(Consent, source="consent", required=False, allow_null=True, default=None)
    children_ids = VisibleRelatedField(Person, source="children", many=True)
    reason = serializers.CharField(max_length=LONG_TEXT)


class FgcVersionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class FgcReasonInput(FgcVersionInput):
    reason = serializers.CharField(max_length=LONG_TEXT)


class FgcCloseInput(FgcVersionInput):
    note = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


class FgcConferenceInput(FgcVersionInput):
    held_on = serializers.DateField()
    attendees = serializers.CharField(max_length=LONG_TEXT)
    attendee_count = serializers.IntegerField(min_value=1, max_value=500)
    family_private_time = serializers.BooleanField()
    notes = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    late_reason = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


class FgcPlanItemInput(serializers.Serializer):
    what = serializers.CharField(max_length=LONG_TEXT)
    who = serializers.CharField(max_length=200)
    by_when = serializers.DateField()


class FgcPlanInput(FgcVersionInput):
    agreed_on = serializers.DateField()
    actions = FgcPlanItemInput(many=True, allow_empty=False)


class FgcReviewInput(FgcVersionInput):
    held_on = serializers.DateField()
    plan_working = serializers.ChoiceField(choices=PlanWorking.choices)
    notes = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


# --- views --------------------------------------------------------------------------------------


class CaseReferralsView(APIView):
    @extend_schema(
        summary="The case's family group conference referrals you may see",
        responses=FgcReferralOutput(many=True),
    )
    def get(self, request, case_pk):
        case = case_for_fgc(request.user, case_pk)
        referrals = _referrals(selectors.case_referrals(request.user, case))
        return Response(FgcReferralOutput(referrals, many=True).data)

    @extend_schema(
        summary="Refer the family for a family group conference (needs the family's consent)",
        request=FgcReferralInput,
        responses={201: FgcReferralOutput},
    )
    def post(self, request, case_pk):
        case = case_for_fgc(request.user, case_pk, "refer")
        data = FgcReferralInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            referral = services.fgc_referral_make(case=case, by=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise _renamed(exc, {"consent": "consent_id", "children": "children_ids"}) from None
        return Response(FgcReferralOutput(referral).data, status=status.HTTP_201_CREATED)


def _act(request, pk, act: str, input_class, run):
    referral = referral_for_user(request.user, pk, act)
    data = input_class(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    run(referral, values.pop("version"), values)
    referral = _referrals(referrals_visible_to(request.user)).filter(pk=referral.pk).first()
    if referral is None:  # e.g. the coordinator's queue view of it ended with a decline
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(FgcReferralOutput(referral).data)


@extend_schema_view(
    list=extend_schema(summary="The family group conference referrals you may see"),
    retrieve=extend_schema(summary="One referral, with its conference, the family's plan and reviews"),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FgcReferralOutput
    queryset = FgcReferral.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FgcReferral.objects.none()
        return _referrals(referrals_visible_to(self.request.user))

    def get_object(self):
        referral_for_user(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    @extend_schema(
        summary="Take the referral up as its coordinator",
        request=FgcVersionInput,
        responses=FgcReferralOutput,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        def run(referral, version, values):
            services.fgc_referral_accept(referral=referral, by=request.user, expected_version=version)

        return _act(request, pk, "accept", FgcVersionInput, run)

    @extend_schema(
        summary="Decline the referral, with the reason", request=FgcReasonInput, responses=FgcReferralOutput
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        def run(referral, version, values):
            services.fgc_referral_decline(
                referral=referral, by=request.user, expected_version=version, **values
            )

        return _act(request, pk, "decline", FgcReasonInput, run)

    @extend_schema(
        summary="Withdraw the referral, with the reason", request=FgcReasonInput, responses=FgcReferralOutput
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        def run(referral, version, values):
            services.fgc_referral_withdraw(
                referral=referral, by=request.user, expected_version=version, **values
            )

        return _act(request, pk, "withdraw", FgcReasonInput, run)

    @extend_schema(summary="Record the conference", request=FgcConferenceInput, responses=FgcReferralOutput)
    @action(detail=True, methods=["post"])
    def conference(self, request, pk=None):
        def run(referral, version, values):
            services.fgc_conference_record(
                referral=referral, by=request.user, expected_version=version, **values
            )

        return _act(request, pk, "conference", FgcConferenceInput, run)

    @extend_schema(
        summary="Record the family's plan: its actions join the case's plan",
        request=FgcPlanInput,
        responses=FgcReferralOutput,
    )
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        def run(referral, version, values):
            actions = [services.FamilyPlanItem(**item) for item in values["actions"]]
            services.fgc_plan_record(
                referral=referral,
                by=request.user,
                agreed_on=values["agreed_on"],
                actions=actions,
                expected_version=version,
            )

        return _act(request, pk, "plan", FgcPlanInput, run)

    @extend_schema(
        summary="Record the review of the family's plan", request=FgcReviewInput, responses=FgcReferralOutput
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        def run(referral, version, values):
            services.fgc_review_record(referral=referral, by=request.user, expected_version=version, **values)

        return _act(request, pk, "review", FgcReviewInput, run)

    @extend_schema(
        summary="Close the referral after the review", request=FgcCloseInput, responses=FgcReferralOutput
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        def run(referral, version, values):
            services.fgc_referral_close(
                referral=referral, by=request.user, expected_version=version, **values
            )

        return _act(request, pk, "close", FgcCloseInput, run)
