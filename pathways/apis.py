"""REST API for decision points, the pathway history and referral packages."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Agency, User
from assessments.models import ThresholdIndicator
from cases.apis import PersonRefSerializer, UserRefSerializer
from cases.choices import ClosureReason
from cases.models import Person
from cases.permissions import family_for_user
from config.api import OutputSerializer, VisibleRelatedField
from config.limits import LONG_TEXT
from pathways import services
from pathways.choices import DECISION_OUTCOMES, ActionStatus
from pathways.codes import AbuseCategory, PrimaryNeed, ReferralSource, S47Outcome
from pathways.models import (
    ChildAssessment,
    CinEpisode,
    CinPlanPeriod,
    CpCategoryChange,
    CpPlan,
    Decision,
    PathwayTransition,
    Plan,
    PlanAction,
    PlanChange,
    PlanOutcome,
    PlanReview,
    ReferralPackage,
    Section47,
    Supervision,
    SupervisionAction,
    SupervisionReflection,
)
from pathways.permissions import (
    case_for_decisions,
    case_for_plan,
    case_for_supervision,
    cp_plan_on_case,
    decision_for_user,
    packages_visible_to,
    supervision_action_for_user,
    supervision_for_user,
)
from pathways.selectors import case_supervisions, child_records


class DecisionOutput(OutputSerializer):
    proposed_by = serializers.CharField(source="proposed_by.__str__")
    decided_by = serializers.CharField(source="decided_by.__str__", allow_null=True, default=None)
    statutory_requirement = serializers.CharField()
    to_pathway = serializers.IntegerField(allow_null=True)
    indicator_ids = serializers.PrimaryKeyRelatedField(source="indicators", many=True, read_only=True)
    shared_with = serializers.StringRelatedField(many=True)
    case_version = serializers.IntegerField(
        source="case.version", help_text="The case's version: send it to confirm or return this decision"
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "case",
            "case_version",
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
    outcome = serializers.ChoiceField(choices=DECISION_OUTCOMES)
    rationale = serializers.CharField(max_length=20_000)
    indicator_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    family_view = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    consulted = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    family_consents_to_share = serializers.BooleanField(required=False, default=False)
    shared_with_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    lawful_basis = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default=""
    )
    ecpp_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    referral_source = serializers.ChoiceField(
        choices=ReferralSource.choices, required=False, allow_blank=True, default=""
    )
    primary_need = serializers.ChoiceField(
        choices=PrimaryNeed.choices, required=False, allow_blank=True, default=""
    )
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one is refused")


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one is refused")


class ReturnInput(VersionInput):
    reason = serializers.CharField(
        max_length=LONG_TEXT,
    )


class TransitionOutput(OutputSerializer):
    by = serializers.CharField(source="by.__str__")

    class Meta:
        model = PathwayTransition
        fields = ["from_pathway", "to_pathway", "decision", "at", "by"]


class PackageOutput(OutputSerializer):
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
            .select_related("case", "proposed_by", "decided_by")
            .prefetch_related("indicators", "shared_with")
            .order_by("-proposed_at", "-pk")
        )

    def create(self, request, *args, **kwargs):
        case_for_decisions(request.user, self.kwargs["case_pk"], "propose")  # refuse before validating
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
            referral_source=values["referral_source"],
            primary_need=values["primary_need"],
        )
        act = services.decision_record if values["mode"] == "record" else services.decision_propose
        decision = act(case=case, by=request.user, details=details, expected_version=values["version"])
        return Response(DecisionOutput(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The case's moves along the pathways", responses=TransitionOutput(many=True))
    @action(detail=False, methods=["get"], url_path="history")
    def history(self, request, case_pk=None):
        case = case_for_decisions(request.user, case_pk)
        rows = PathwayTransition.objects.filter(case=case).select_related("by").order_by("at", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(TransitionOutput(page, many=True).data)


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
        family = family_for_user(self.request.user, self.kwargs["family_pk"])
        return packages_visible_to(self.request.user).filter(family=family).order_by("-version")


# --- plans ------------------------------------------------------------------------------------


class PlanOutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanOutcome
        fields = ["id", "text", "added_at"]
        read_only_fields = ["added_at"]
        extra_kwargs = {"text": {"max_length": LONG_TEXT}}


class PlanActionSerializer(OutputSerializer):
    class Meta:
        model = PlanAction
        fields = ["id", "outcome", "what", "who", "by_when", "status", "source"]


class PlanReviewSerializer(OutputSerializer):
    class Meta:
        model = PlanReview
        fields = ["id", "due_on", "held_on", "notes", "recorded_at"]


class PlanChangeSerializer(OutputSerializer):
    by = serializers.CharField(source="by.__str__")

    class Meta:
        model = PlanChange
        fields = ["summary", "from_kind", "to_kind", "decision", "at", "by"]


class PlanOutput(OutputSerializer):
    outcomes = PlanOutcomeSerializer(many=True)
    actions = PlanActionSerializer(many=True)
    reviews = PlanReviewSerializer(many=True)
    changes = PlanChangeSerializer(many=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "kind",
            "started_on",
            "ended_on",
            "next_review_due",
            "version",
            "outcomes",
            "actions",
            "reviews",
            "changes",
        ]


class PlanActionInput(serializers.Serializer):
    what = serializers.CharField(
        max_length=LONG_TEXT,
    )
    who = serializers.CharField(max_length=200)
    by_when = serializers.DateField()
    outcome_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class ActionStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionStatus.choices)


class PlanStartInput(serializers.Serializer):
    late_reason = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when the early help assessment is past its timescale",
    )


class PlanReviewInput(serializers.Serializer):
    held_on = serializers.DateField()
    notes = serializers.CharField(
        max_length=LONG_TEXT,
    )
    late_reason = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when this is after its due time",
    )
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


def _plan_or_404(case) -> Plan:
    plan = Plan.objects.filter(case=case).first()
    if plan is None:
        raise Http404("This case has no plan yet.")
    return plan


def _plan_output(plan: Plan) -> dict:
    plan = Plan.objects.prefetch_related("outcomes", "actions", "reviews", "changes__by").get(pk=plan.pk)
    return PlanOutput(plan).data


class CasePlanView(APIView):
    @extend_schema(
        summary="The case's plan, with outcomes, actions, reviews and history", responses=PlanOutput
    )
    def get(self, request, case_pk):
        return Response(_plan_output(_plan_or_404(case_for_plan(request.user, case_pk))))

    @extend_schema(
        summary="Start the plan the case's pathway calls for",
        request=PlanStartInput,
        responses={201: PlanOutput},
    )
    def post(self, request, case_pk):
        data = PlanStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_start(
            case=case_for_plan(request.user, case_pk, "start"),
            by=request.user,
            late_reason=data.validated_data["late_reason"],
        )
        return Response(_plan_output(plan), status=status.HTTP_201_CREATED)


class PlanOutcomeView(APIView):
    @extend_schema(
        summary="Add an outcome to the plan", request=PlanOutcomeSerializer, responses={201: PlanOutput}
    )
    def post(self, request, case_pk):
        plan = _plan_or_404(case_for_plan(request.user, case_pk, "change"))
        data = PlanOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.plan_outcome_add(plan=plan, by=request.user, text=data.validated_data["text"])
        return Response(_plan_output(plan), status=status.HTTP_201_CREATED)


class PlanActionView(APIView):
    @extend_schema(
        summary="Add an action (who, what, by when) to the plan",
        request=PlanActionInput,
        responses={201: PlanOutput},
    )
    def post(self, request, case_pk):
        plan = _plan_or_404(case_for_plan(request.user, case_pk, "change"))
        data = PlanActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        outcome_id = values.pop("outcome_id")
        outcome = None
        if outcome_id is not None:
            outcome = plan.outcomes.filter(pk=outcome_id).first()
            if outcome is None:
                raise serializers.ValidationError({"outcome_id": ["Choose an outcome of this plan."]})
        services.plan_action_add(plan=plan, by=request.user, outcome=outcome, **values)
        return Response(_plan_output(plan), status=status.HTTP_201_CREATED)


class PlanActionStatusView(APIView):
    @extend_schema(
        summary="Set an action's status",
        request=ActionStatusInput,
        responses=PlanOutput,
    )
    def post(self, request, case_pk, action_pk):
        plan = _plan_or_404(case_for_plan(request.user, case_pk, "change"))
        action = plan.actions.filter(pk=action_pk).first()
        if action is None:
            raise Http404("No such action.")
        data = ActionStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.plan_action_status_set(action=action, by=request.user, status=data.validated_data["status"])
        return Response(_plan_output(plan))


class PlanReviewView(APIView):
    @extend_schema(
        summary="Record a review; the next one is scheduled",
        request=PlanReviewInput,
        responses={201: PlanOutput},
    )
    def post(self, request, case_pk):
        plan = _plan_or_404(case_for_plan(request.user, case_pk, "change"))
        data = PlanReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.plan_review_record(
            plan=plan,
            by=request.user,
            held_on=data.validated_data["held_on"],
            notes=data.validated_data["notes"],
            late_reason=data.validated_data["late_reason"],
            expected_version=data.validated_data["version"],
        )
        return Response(_plan_output(plan), status=status.HTTP_201_CREATED)


# --- children's statutory records --------------------------------------------------------------


class _AssessmentOutput(OutputSerializer):
    class Meta:
        model = ChildAssessment
        fields = ["id", "started_on", "authorised_on", "factors"]


class _CinPlanOutput(OutputSerializer):
    class Meta:
        model = CinPlanPeriod
        fields = ["id", "started_on", "ended_on"]


class _Section47Output(OutputSerializer):
    icpc_not_required = serializers.BooleanField(read_only=True)

    class Meta:
        model = Section47
        fields = [
            "id",
            "started_on",
            "icpc_target",
            "outcome",
            "outcome_on",
            "icpc_date",
            "icpc_not_required",
        ]


class _CategoryChangeOutput(OutputSerializer):
    class Meta:
        model = CpCategoryChange
        fields = ["from_category", "to_category", "on"]


class _CpPlanOutput(OutputSerializer):
    category_changes = _CategoryChangeOutput(many=True, read_only=True)
    review_dates = serializers.SerializerMethodField()

    class Meta:
        model = CpPlan
        fields = [
            "id",
            "started_on",
            "ended_on",
            "initial_category",
            "latest_category",
            "previous_plans",
            "category_changes",
            "review_dates",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_review_dates(self, cp_plan):
        return [review.held_on for review in cp_plan.reviews.all()]


class EpisodeOutput(OutputSerializer):
    assessments = _AssessmentOutput(many=True, read_only=True)
    cin_plans = _CinPlanOutput(many=True, read_only=True)
    section47s = _Section47Output(many=True, read_only=True)
    cp_plans = _CpPlanOutput(many=True, read_only=True)

    class Meta:
        model = CinEpisode
        fields = [
            "id",
            "case",
            "referral_date",
            "referral_source",
            "primary_need",
            "referral_nfa",
            "closure_date",
            "closure_reason",
            "assessments",
            "cin_plans",
            "section47s",
            "cp_plans",
        ]


class ChildRecordOutput(serializers.Serializer):
    child = PersonRefSerializer()
    status = serializers.CharField(help_text="The child's statutory status today")
    episodes = EpisodeOutput(many=True)


def _child_records(case) -> list[dict]:
    return [
        {"child": row.child, "status": row.status, "episodes": row.episodes} for row in child_records(case)
    ]


class ChildRecordsView(APIView):
    @extend_schema(
        summary="Each child's statutory records on the case (CIN episodes, assessments, s47, plans)",
        responses=ChildRecordOutput(many=True),
    )
    def get(self, request, case_pk):
        case = case_for_decisions(request.user, case_pk)
        return Response(ChildRecordOutput(_child_records(case), many=True).data)


class ChildrenField(serializers.ListField):
    """Person ids of the case's children; the service refuses one that is not on the case."""

    child = serializers.IntegerField(min_value=1)


class AuthoriseInput(serializers.Serializer):
    factors = serializers.ListField(child=serializers.CharField(max_length=3))
    on = serializers.DateField(required=False, allow_null=True, default=None)
    late_reason = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when this is after its due time",
    )
    children = ChildrenField(required=False, default=list, help_text="Only these children (default: all)")


class S47OutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=S47Outcome.choices)
    rationale = serializers.CharField(
        max_length=LONG_TEXT,
    )
    children = ChildrenField(required=False, default=list, help_text="Only these children (default: all)")


class _ConferenceChildInput(serializers.Serializer):
    child = serializers.IntegerField(min_value=1)
    cp_plan = serializers.BooleanField()
    category = serializers.ChoiceField(
        choices=AbuseCategory.choices, required=False, allow_blank=True, default=""
    )


class IcpcInput(serializers.Serializer):
    held_on = serializers.DateField()
    children = _ConferenceChildInput(many=True, help_text="The conference's decision for each child")
    late_reason = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when this is after its due time",
    )

    def validate_children(self, rows):
        return [services.ConferenceDecision(**row) for row in rows]


class _CensusStepView(APIView):
    """One step on the children's records: validate the body with `input_class`, then call `step`
    (a service); answer with the children's records as they now are."""

    input_class: type[serializers.Serializer]
    step = None

    def post(self, request, case_pk, cp_plan_pk=None):
        case = case_for_decisions(request.user, case_pk, "propose")
        # A step on one child's CP plan names the plan; the others act on the case's children.
        target = {"case": case} if cp_plan_pk is None else {"cp_plan": cp_plan_on_case(case, cp_plan_pk)}
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        type(self).step(by=request.user, **target, **data.validated_data)
        return Response(ChildRecordOutput(_child_records(case), many=True).data)


def _census_step(name: str, summary: str, input_class, step) -> type[_CensusStepView]:
    view = type(name, (_CensusStepView,), {"input_class": input_class, "step": staticmethod(step)})
    view.post = extend_schema(summary=summary, request=input_class, responses=ChildRecordOutput(many=True))(
        view.post
    )
    return view


AssessmentAuthoriseView = _census_step(
    "AssessmentAuthoriseView",
    "Authorise the children's s17 assessments with the factors identified (a manager)",
    AuthoriseInput,
    services.assessment_authorise,
)
S47OutcomeView = _census_step(
    "S47OutcomeView",
    "Record the outcome of the children's s47 enquiries (ECPP only)",
    S47OutcomeInput,
    services.s47_outcome_record,
)
IcpcView = _census_step(
    "IcpcView",
    "Record the initial child protection conference: its decision for each child (ECPP only)",
    IcpcInput,
    services.icpc_record,
)


class CpCategoryInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=AbuseCategory.choices)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class CpEndInput(serializers.Serializer):
    on = serializers.DateField()
    rationale = serializers.CharField(
        max_length=LONG_TEXT,
    )


CpCategoryView = _census_step(
    "CpCategoryView",
    "Change the category of abuse of a child's child protection plan (ECPP only)",
    CpCategoryInput,
    services.cp_plan_category_change,
)
CpEndView = _census_step(
    "CpEndView",
    "End one child's child protection plan at a review conference (ECPP only)",
    CpEndInput,
    services.cp_plan_end,
)


# --- case supervision ----------------------------------------------------------------------------


class SupervisionActionOutput(OutputSerializer):
    owner = UserRefSerializer()
    done_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = SupervisionAction
        fields = ["id", "what", "owner", "by_when", "done_at", "done_by", "version"]


class SupervisionReflectionOutput(OutputSerializer):
    by = UserRefSerializer()

    class Meta:
        model = SupervisionReflection
        fields = ["id", "by", "text", "recorded_at"]


class SupervisionOutput(OutputSerializer):
    practitioner = UserRefSerializer()
    manager = UserRefSerializer()
    children = PersonRefSerializer(many=True)
    actions = SupervisionActionOutput(many=True)
    reflections = SupervisionReflectionOutput(many=True)

    class Meta:
        model = Supervision
        fields = [
            "id",
            "case",
            "held_on",
            "practitioner",
            "manager",
            "children",
            "what_changed",
            "child_voice",
            "plan_progress",
            "discussion",
            "direction",
            "actions",
            "reflections",
            "recorded_at",
        ]


class SupervisionActionInput(serializers.Serializer):
    what = serializers.CharField(max_length=LONG_TEXT)
    owner_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), source="owner", help_text="Who will do it"
    )
    by_when = serializers.DateField()


def _text(help_text: str = "", **kwargs):
    return serializers.CharField(
        max_length=LONG_TEXT, required=False, allow_blank=True, default="", help_text=help_text, **kwargs
    )


class SupervisionInput(serializers.Serializer):
    practitioner_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        source="practitioner",
        help_text="The worker supervised: someone allocated to the case (key worker, ECPP, co-worker)",
    )
    held_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today")
    children_ids = VisibleRelatedField(
        Person,
        many=True,
        required=False,
        default=list,
        source="children",
        help_text="The children discussed (the family's children); none given means all of them",
    )
    what_changed = _text("What has changed since the last supervision")
    child_voice = _text("The child's voice and direct work seen")
    plan_progress = _text("The plan's progress")
    discussion = serializers.CharField(max_length=LONG_TEXT)
    direction = serializers.CharField(max_length=LONG_TEXT, help_text="The management direction")
    actions = SupervisionActionInput(many=True, required=False, default=list)
    late_reason = _text("Needed when the supervision was held after it was due")


class SupervisionReflectionInput(serializers.Serializer):
    text = serializers.CharField(max_length=LONG_TEXT)


class SupervisionActionDoneInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The action's version you read"
    )


def _supervision_output(supervision: Supervision) -> dict:
    return SupervisionOutput(case_supervisions(supervision.case).get(pk=supervision.pk)).data


class CaseSupervisionsView(APIView):
    @extend_schema(
        summary="The case's supervisions, newest first, with their actions and reflections",
        responses=SupervisionOutput(many=True),
    )
    def get(self, request, case_pk):
        case = case_for_supervision(request.user, case_pk)
        return Response(SupervisionOutput(case_supervisions(case), many=True).data)

    @extend_schema(
        summary="Record a case supervision (a manager of the case's team who does not hold it)",
        request=SupervisionInput,
        responses={201: SupervisionOutput},
    )
    def post(self, request, case_pk):
        case = case_for_supervision(request.user, case_pk, "record")
        data = SupervisionInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        actions = [services.SupervisionActionDetails(**row) for row in values.pop("actions")]
        supervision = services.supervision_record(case=case, by=request.user, actions=actions, **values)
        return Response(_supervision_output(supervision), status=status.HTTP_201_CREATED)


class SupervisionReflectionView(APIView):
    @extend_schema(
        summary="Add the supervised practitioner's reflection (never changes the manager's record)",
        request=SupervisionReflectionInput,
        responses={201: SupervisionOutput},
    )
    def post(self, request, supervision_pk):
        supervision = supervision_for_user(request.user, supervision_pk, "reflect")
        data = SupervisionReflectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.supervision_reflect(
            supervision=supervision, by=request.user, text=data.validated_data["text"]
        )
        return Response(_supervision_output(supervision), status=status.HTTP_201_CREATED)


class SupervisionActionDoneView(APIView):
    @extend_schema(
        summary="Mark a supervision action done (its owner or a manager of the case)",
        request=SupervisionActionDoneInput,
        responses=SupervisionActionOutput,
    )
    def post(self, request, action_pk):
        action = supervision_action_for_user(request.user, action_pk)
        data = SupervisionActionDoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.supervision_action_done(
            action=action, by=request.user, expected_version=data.validated_data["version"]
        )
        return Response(SupervisionActionOutput(action).data)
