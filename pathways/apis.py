"""REST API for decision points, the pathway history and referral packages."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Agency, User
from assessments.models import ThresholdIndicator
from cases.choices import ClosureReason
from pathways import services
from pathways.choices import Outcome
from pathways.models import Decision, PathwayTransition, ReferralPackage
from pathways.permissions import case_for_decisions, decision_for_user, packages_visible_to


class DecisionOutput(serializers.ModelSerializer):
    proposed_by = serializers.CharField(source="proposed_by.__str__")
    decided_by = serializers.CharField(source="decided_by.__str__", allow_null=True, default=None)
    statutory_requirement = serializers.CharField()
    to_pathway = serializers.IntegerField(allow_null=True)
    indicator_ids = serializers.PrimaryKeyRelatedField(source="indicators", many=True, read_only=True)
    shared_with = serializers.StringRelatedField(many=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "case",
            "outcome",
            "state",
            "from_pathway",
            "to_pathway",
            "statutory_requirement",
            "rationale",
            "indicator_ids",
            "family_view",
            "consulted",
            "family_consents_to_share",
            "shared_with",
            "lawful_basis",
            "closure_reason",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "returned_reason",
        ]


class DecisionInput(serializers.Serializer):
    mode = serializers.ChoiceField(choices=[("record", "Record"), ("propose", "Propose")], default="propose")
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    rationale = serializers.CharField(max_length=20_000)
    indicator_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    family_view = serializers.CharField(required=False, allow_blank=True, default="")
    consulted = serializers.CharField(required=False, allow_blank=True, default="")
    family_consents_to_share = serializers.BooleanField(required=False, default=False)
    shared_with_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    lawful_basis = serializers.CharField(required=False, allow_blank=True, default="")
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default=""
    )
    ecpp_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one is refused")


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReturnInput(VersionInput):
    reason = serializers.CharField()


class TransitionOutput(serializers.ModelSerializer):
    by = serializers.CharField(source="by.__str__")

    class Meta:
        model = PathwayTransition
        fields = ["from_pathway", "to_pathway", "decision", "at", "by"]


class PackageOutput(serializers.ModelSerializer):
    class Meta:
        model = ReferralPackage
        fields = ["id", "version", "to_pathway", "created_at", "decision", "snapshot"]


def _objects(model, ids, field, errors, queryset=None):
    ids = list(dict.fromkeys(ids))
    found = list((queryset if queryset is not None else model.objects).filter(pk__in=ids))
    if len(found) != len(ids):
        errors[field] = ["Some of these do not exist."]
    return tuple(found)


@extend_schema_view(
    list=extend_schema(summary="Decisions on the case, newest first"),
    create=extend_schema(
        summary="Propose (mode=propose) or record (mode=record) a decision point",
        request=DecisionInput,
        responses={201: DecisionOutput},
    ),
)
class CaseDecisionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = DecisionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Decision.objects.none()
        case = case_for_decisions(self.request.user, self.kwargs["case_pk"])
        return (
            Decision.objects.filter(case=case)
            .select_related("proposed_by", "decided_by")
            .prefetch_related("indicators", "shared_with")
            .order_by("-proposed_at", "-pk")
        )

    def create(self, request, *args, **kwargs):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = case_for_decisions(request.user, self.kwargs["case_pk"], values["mode"])
        errors: dict = {}
        indicators = _objects(ThresholdIndicator, values["indicator_ids"], "indicator_ids", errors)
        shared_with = _objects(Agency, values["shared_with_ids"], "shared_with_ids", errors)
        ecpp = None
        if values["ecpp_id"] is not None:
            ecpp = User.objects.filter(pk=values["ecpp_id"], is_active=True).first()
            if ecpp is None:
                errors["ecpp_id"] = ["No such user."]
        if errors:
            raise serializers.ValidationError(errors)
        details = services.DecisionDetails(
            outcome=values["outcome"],
            rationale=values["rationale"],
            indicators=indicators,
            family_view=values["family_view"],
            consulted=values["consulted"],
            family_consents_to_share=values["family_consents_to_share"],
            shared_with=shared_with,
            lawful_basis=values["lawful_basis"],
            closure_reason=values["closure_reason"],
            ecpp=ecpp,
        )
        act = services.decision_record if values["mode"] == "record" else services.decision_propose
        decision = act(case=case, by=request.user, details=details, expected_version=values["version"])
        return Response(DecisionOutput(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The case's moves along the pathways", responses=TransitionOutput(many=True))
    @action(detail=False, methods=["get"], url_path="history")
    def history(self, request, case_pk=None):
        case = case_for_decisions(request.user, case_pk)
        rows = PathwayTransition.objects.filter(case=case).select_related("by")
        return Response(TransitionOutput(rows, many=True).data)


class DecisionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DecisionOutput
    queryset = Decision.objects.none()  # every lookup goes through decision_for_user

    def get_object(self):
        return decision_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="Confirm a proposed decision (not your own)", request=VersionInput, responses=DecisionOutput
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        decision = decision_for_user(request.user, pk, "confirm")
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.decision_confirm(
            decision=decision, by=request.user, expected_version=data.validated_data["version"]
        )
        return Response(DecisionOutput(decision).data)

    @extend_schema(
        summary="Return a proposal to its proposer, with the reason",
        request=ReturnInput,
        responses=DecisionOutput,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        decision = decision_for_user(request.user, pk, "return")
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.decision_return(
            decision=decision,
            by=request.user,
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
        )
        return Response(DecisionOutput(decision).data)


@extend_schema_view(
    list=extend_schema(summary="Referral packages of the family you may see (shared as the family agreed)")
)
class FamilyPackageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PackageOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReferralPackage.objects.none()
        from cases.permissions import family_for_user

        family = family_for_user(self.request.user, self.kwargs["family_pk"])
        return packages_visible_to(self.request.user).filter(family=family).order_by("-version")
