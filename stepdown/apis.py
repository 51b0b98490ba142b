"""REST API for consents, step-downs (every route and action) and the monthly audit. The same
services and permissions as the pages."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import TeamKind
from accounts.models import Agency, Team, User
from cases.access_log import record_read
from cases.choices import ClosureReason, RecordType
from cases.models import Case, Person
from config.api import OutputSerializer, VisibleRelatedField
from config.limits import LONG_TEXT
from stepdown import drift, selectors, services
from stepdown.choices import (
    CASE_ROUTE_CHOICES,
    AuditRating,
    ConsentMethod,
    DriftReason,
    HubAction,
    ReviewOutcome,
)
from stepdown.models import AuditSampleItem, Consent, ReviewItem, ReviewSet, StepDown, StepDownEvent
from stepdown.permissions import (
    audit_item_for_user,
    case_for_stepdown,
    consent_for_user,
    consent_of_family,
    consents_visible_to,
    drift_teams_for,
    family_for_consent,
    require_audit_reader,
    require_drift_reviewer,
    review_item_for_user,
    review_items_visible,
    review_refusal,
    review_set_for_user,
    stepdown_for_user,
    stepdown_to_take_up,
    stepdowns_visible_to,
)


def _users():
    return User.objects.filter(is_active=True)


# --- consent ----------------------------------------------------------------------------------


class ConsentOutput(OutputSerializer):
    given_by = serializers.StringRelatedField()
    share_with = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    referral_agency = serializers.StringRelatedField()
    purposes = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "reference",
            "family",
            "given_by",
            "capacity",
            "early_help",
            "share_with",
            "referral_agency",
            "family_group_conference",
            "purposes",
            "method",
            "recorded_where",
            "given_on",
            "recorded_at",
            "is_current",
            "withdrawn_on",
            "withdrawal_note",
        ]


class ConsentInput(serializers.Serializer):
    family_id = serializers.IntegerField()
    given_by_id = VisibleRelatedField(Person, source="given_by")
    early_help = serializers.BooleanField(default=False)
    share_with_ids = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), many=True, required=False, default=list, source="share_with"
    )
    referral_agency_id = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True, default=None, source="referral_agency"
    )
    family_group_conference = serializers.BooleanField(default=False)
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    recorded_where = serializers.CharField(max_length=300)
    given_on = serializers.DateField()


class WithdrawConsentInput(serializers.Serializer):
    withdrawn_on = serializers.DateField()
    note = serializers.CharField(
        max_length=LONG_TEXT,
    )


@extend_schema_view(
    list=extend_schema(
        summary="Consents of the families you may see",
        parameters=[OpenApiParameter("family", int, description="Only this family's")],
    ),
    retrieve=extend_schema(summary="One consent"),
)
class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConsentOutput
    queryset = Consent.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Consent.objects.none()
        consents = consents_visible_to(self.request.user).select_related("given_by", "referral_agency")
        family = self.request.query_params.get("family")
        if family is not None:
            if not family.isdigit():
                raise serializers.ValidationError({"family": ["A family id is a number."]})
            consents = consents.filter(family_id=family)
        return consents.prefetch_related("share_with")

    def get_object(self):
        return consent_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(summary="Record a family's consent", request=ConsentInput, responses={201: ConsentOutput})
    def create(self, request):
        family_id = request.data.get("family_id")
        family = family_for_consent(request.user, family_id, "record")
        data = ConsentInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("family_id")
        consent = services.consent_record(family=family, by=request.user, **values)
        return Response(ConsentOutput(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record that consent was withdrawn", request=WithdrawConsentInput, responses=ConsentOutput
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        consent = consent_for_user(request.user, pk, "withdraw")
        data = WithdrawConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_withdraw(consent=consent, by=request.user, **data.validated_data)
        return Response(ConsentOutput(consent).data)


# --- step-downs -------------------------------------------------------------------------------


class StepDownEventOutput(OutputSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = StepDownEvent
        fields = ["state", "summary", "detail", "at", "by"]


class StepDownOutput(OutputSerializer):
    proposed_by = serializers.StringRelatedField()
    approved_by = serializers.StringRelatedField()
    receiving_team = serializers.StringRelatedField()
    receiving_agency = serializers.StringRelatedField()
    lead_professional = serializers.StringRelatedField()
    consent = serializers.SlugRelatedField(read_only=True, slug_field="reference")
    outcome_wording = serializers.CharField(read_only=True)
    events = StepDownEventOutput(many=True, read_only=True)

    class Meta:
        model = StepDown
        fields = [
            "id",
            "reference",
            "route",
            "state",
            "outcome_wording",
            "family",
            "case",
            "contact",
            "rationale",
            "needs",
            "consent",
            "receiving_team",
            "receiving_agency",
            "lead_professional",
            "cin_meeting_on",
            "agreement",
            "panel_on",
            "panel_resources",
            "hub_action",
            "proposed_by",
            "proposed_at",
            "approved_by",
            "approved_at",
            "returned_reason",
            "decision",
            "shared_at",
            "completed_at",
            "taken_up_at",
            "version",
            "events",
        ]


class StepDownInput(serializers.Serializer):
    case_id = serializers.IntegerField()
    route = serializers.ChoiceField(choices=CASE_ROUTE_CHOICES)
    rationale = serializers.CharField(
        max_length=LONG_TEXT,
    )
    needs = serializers.CharField(
        max_length=LONG_TEXT,
    )
    consent_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    receiving_team_id = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None, source="receiving_team"
    )
    receiving_agency_id = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        source="receiving_agency",
    )
    lead_professional_id = serializers.PrimaryKeyRelatedField(
        queryset=_users(), required=False, allow_null=True, default=None, source="lead_professional"
    )
    cin_meeting_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreement = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class StepDownVersionInput(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version you read: it changes with every step")


class SubmitInput(StepDownVersionInput):
    consent_id = serializers.IntegerField()


class StepDownReasonInput(StepDownVersionInput):
    reason = serializers.CharField(
        max_length=LONG_TEXT,
    )


class StepDownWithdrawInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=LONG_TEXT,
    )


class StepDownNoteInput(StepDownVersionInput):
    note = serializers.CharField(
        max_length=LONG_TEXT,
    )


class AcceptInput(StepDownVersionInput):
    key_worker_id = serializers.PrimaryKeyRelatedField(queryset=_users(), source="key_worker")
    note = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


class ReviewInput(StepDownVersionInput):
    action = serializers.ChoiceField(choices=HubAction.choices)
    rationale = serializers.CharField(
        max_length=LONG_TEXT,
    )


class PanelInput(StepDownVersionInput):
    accepted = serializers.BooleanField()
    panel_on = serializers.DateField()
    lead_professional_id = serializers.PrimaryKeyRelatedField(
        queryset=_users(), required=False, allow_null=True, default=None, source="lead_professional"
    )
    resources = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


class TakeUpOutput(serializers.ModelSerializer):
    """What the lead professional is told back: no more of the step-down than they were shared."""

    class Meta:
        model = StepDown
        fields = ["id", "reference", "taken_up_at"]


@extend_schema_view(
    list=extend_schema(
        summary="Step-downs of the families you may see",
        parameters=[
            OpenApiParameter("state", str, description="Only step-downs in this state"),
            OpenApiParameter("case", int, description="Only this case's"),
        ],
    ),
    retrieve=extend_schema(summary="One step-down with its history"),
)
class StepDownViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StepDownOutput
    queryset = StepDown.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StepDown.objects.none()
        step_downs = stepdowns_visible_to(self.request.user).select_related(
            "proposed_by", "approved_by", "receiving_team", "receiving_agency", "lead_professional", "consent"
        )
        params = self.request.query_params
        if params.get("state"):
            step_downs = step_downs.filter(state=params["state"])
        if params.get("case"):
            if not params["case"].isdigit():
                raise serializers.ValidationError({"case": ["A case id is a number."]})
            step_downs = step_downs.filter(case_id=params["case"])
        return step_downs.prefetch_related("events__by")

    def get_object(self):
        return stepdown_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="Propose a step-down from a case (routes b to e; route a starts at triage)",
        request=StepDownInput,
        responses={201: StepDownOutput},
    )
    def create(self, request):
        case = case_for_stepdown(request.user, request.data.get("case_id"))
        data = StepDownInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        consent_id = values.pop("consent_id")
        consent = consent_of_family(request.user, case.family_id, consent_id) if consent_id else None
        version = values.pop("version")
        values.pop("case_id")
        step_down = services.stepdown_propose(
            case=case,
            by=request.user,
            details=services.StepDownDetails(consent=consent, **values),
            expected_version=version,
        )
        return Response(StepDownOutput(step_down).data, status=status.HTTP_201_CREATED)

    def _act(self, request, pk, act, permission, input_class):
        """Every action: the permission for it, its input, then the one service entry point."""
        step_down = stepdown_for_user(request.user, pk, permission)
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "consent_id" in values:
            values["consent"] = consent_of_family(request.user, step_down.family_id, values.pop("consent_id"))
        services.stepdown_act(step_down=step_down, by=request.user, act=act, values=values)
        step_down.refresh_from_db()
        return Response(StepDownOutput(step_down).data)

    @extend_schema(
        summary="The family has consented: send for approval", request=SubmitInput, responses=StepDownOutput
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, pk, "submit", "submit", SubmitInput)

    @extend_schema(
        summary="Approve (a team manager; never the proposer)",
        request=StepDownVersionInput,
        responses=StepDownOutput,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(request, pk, "approve", "approve", StepDownVersionInput)

    @extend_schema(summary="Return with reasons", request=StepDownReasonInput, responses=StepDownOutput)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        return self._act(request, pk, "return", "return", StepDownReasonInput)

    @extend_schema(
        summary="Withdraw (the proposer or a team manager)",
        request=StepDownWithdrawInput,
        responses=StepDownOutput,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, pk, "withdraw", "withdraw", StepDownWithdrawInput)

    @extend_schema(
        summary="Early Help Hub: review a reassigned contact (route a)",
        request=ReviewInput,
        responses=StepDownOutput,
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._act(request, pk, "review", "hub", ReviewInput)

    @extend_schema(
        summary="Early Help Hub: ask to discuss (routes b, c)",
        request=StepDownNoteInput,
        responses=StepDownOutput,
    )
    @action(detail=True, methods=["post"])
    def discuss(self, request, pk=None):
        return self._act(request, pk, "discuss", "hub", StepDownNoteInput)

    @extend_schema(
        summary="Early Help Hub: accept the transfer (routes b, c)",
        request=AcceptInput,
        responses=StepDownOutput,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, pk, "accept", "hub", AcceptInput)

    @extend_schema(
        summary="The named lead professional takes the family up (after a completed route e step-down)",
        request=None,
        responses=TakeUpOutput,
    )
    @action(detail=True, methods=["post"], url_path="take-up")
    def take_up(self, request, pk=None):
        step_down = stepdown_to_take_up(request.user, pk)
        step_down = services.stepdown_take_up(step_down=step_down, by=request.user)
        return Response(TakeUpOutput(step_down).data)

    @extend_schema(
        summary="Record the MASG panel's decision (route d)", request=PanelInput, responses=StepDownOutput
    )
    @action(detail=True, methods=["post"])
    def panel(self, request, pk=None):
        return self._act(request, pk, "panel", "panel", PanelInput)


# --- the monthly audit --------------------------------------------------------------------------


class AuditItemOutput(OutputSerializer):
    family = serializers.StringRelatedField()
    step_down = serializers.SlugRelatedField(read_only=True, slug_field="reference")
    audited_by = serializers.StringRelatedField()

    class Meta:
        model = AuditSampleItem
        fields = [
            "id",
            "kind",
            "family",
            "step_down",
            "transition",
            "rating",
            "findings",
            "learning",
            "audited_by",
            "audited_at",
        ]


class AuditStepDownOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    route = serializers.CharField()
    family = serializers.CharField()
    completed_at = serializers.DateTimeField()
    rereferred = serializers.BooleanField(help_text="Referred again within 12 months of the step-down")


class AuditStepUpOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.reference")
    family = serializers.CharField(source="case.family")
    from_pathway = serializers.IntegerField()
    to_pathway = serializers.IntegerField()
    at = serializers.DateTimeField()
    rereferred = serializers.BooleanField(help_text="Within 12 months of a step-down")


class AuditReportOutput(serializers.Serializer):
    month = serializers.DateField()
    step_downs = AuditStepDownOutput(many=True)
    step_ups = AuditStepUpOutput(many=True)
    hidden = serializers.IntegerField(help_text="Restricted records not listed")
    sample_population = serializers.IntegerField(allow_null=True, source="sample.population", default=None)
    items = AuditItemOutput(many=True)


class MonthInput(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7, error_messages={"invalid": "Give a month like 2026-11."}
    )


class FindingInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=AuditRating.choices)
    findings = serializers.CharField(
        max_length=LONG_TEXT,
    )
    learning = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


def _month(value: str):
    year, month = value.split("-")
    return timezone.localdate().replace(year=int(year), month=int(month), day=1)


class StepDownAuditViewSet(viewsets.GenericViewSet):
    serializer_class = AuditReportOutput
    queryset = AuditSampleItem.objects.none()

    @extend_schema(
        summary="The month's step-downs and step-ups, the sample and its findings",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM (default: this month)")],
    )
    def list(self, request):
        require_audit_reader(request.user)
        month = timezone.localdate().replace(day=1)
        if request.query_params.get("month"):
            data = MonthInput(data=request.query_params)
            data.is_valid(raise_exception=True)
            month = _month(data.validated_data["month"])
        report = selectors.audit_report(request.user, month)
        return Response(AuditReportOutput(report).data)

    @extend_schema(
        summary="Draw the month's random sample (once)",
        request=MonthInput,
        responses={201: AuditReportOutput},
    )
    @action(detail=False, methods=["post"])
    def sample(self, request):
        require_audit_reader(request.user)
        data = MonthInput(data=request.data)
        data.is_valid(raise_exception=True)
        month = _month(data.validated_data["month"])
        services.audit_sample_draw(month=month, by=request.user)
        return Response(
            AuditReportOutput(selectors.audit_report(request.user, month)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Record the findings for one sampled case", request=FindingInput, responses=AuditItemOutput
    )
    @action(detail=False, methods=["post"], url_path=r"items/(?P<item_pk>\d+)/findings")
    def findings(self, request, item_pk=None):
        item = audit_item_for_user(request.user, item_pk)
        data = FindingInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.audit_finding_record(item=item, by=request.user, **data.validated_data)
        return Response(AuditItemOutput(item).data)


# --- drift review and review sets ---------------------------------------------------------------


class DriftReasonOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=DriftReason.choices)
    text = serializers.CharField()


class DriftCaseOutput(serializers.Serializer):
    case = serializers.IntegerField(source="case.pk", help_text="The case's id")
    reference = serializers.CharField(source="case.reference")
    pathway = serializers.IntegerField(source="case.pathway")
    team = serializers.CharField(source="case.team.name")
    reasons = DriftReasonOutput(many=True)


class DriftFilterInput(serializers.Serializer):
    team = serializers.IntegerField(required=False, help_text="Only this team's cases")
    reason = serializers.ChoiceField(choices=DriftReason.choices, required=False)


class DriftViewSet(viewsets.GenericViewSet):
    serializer_class = DriftCaseOutput
    queryset = ReviewItem.objects.none()

    @extend_schema(
        summary="Drifting cases you may see, each with the reasons (drift rules) that flag it",
        parameters=[
            OpenApiParameter("team", int, description="Only this team's cases"),
            OpenApiParameter(
                "reason", str, description="Only cases flagged for this reason", enum=DriftReason.values
            ),
        ],
        responses=DriftCaseOutput(many=True),
    )
    def list(self, request):
        require_drift_reviewer(request.user)
        filters = DriftFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        team = None
        if "team" in filters.validated_data:
            team = drift_teams_for(request.user).filter(pk=filters.validated_data["team"]).first()
            if team is None:
                raise serializers.ValidationError({"team": ["No team whose drift you may read has that id."]})
        rows = drift.drifting_cases(request.user, team=team, reason=filters.validated_data.get("reason"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DriftCaseOutput(page, many=True).data)


class ReviewItemOutput(OutputSerializer):
    reference = serializers.CharField(source="case.reference")
    reasons = DriftReasonOutput(many=True)
    decided_by = serializers.StringRelatedField()

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "case",
            "reference",
            "reasons",
            "outcome",
            "outcome_reason",
            "step_down",
            "decided_by",
            "decided_at",
            "version",
        ]


class ReviewTallyOutput(serializers.Serializer):
    label = serializers.CharField()
    audited = serializers.IntegerField()
    closed = serializers.IntegerField()
    stepped_down = serializers.IntegerField()
    continued = serializers.IntegerField()
    escalated = serializers.IntegerField()
    waiting = serializers.IntegerField()


class ReviewReportOutput(serializers.Serializer):
    teams = ReviewTallyOutput(many=True)
    total = ReviewTallyOutput()


class ReviewSetSummaryOutput(OutputSerializer):
    created_by = serializers.StringRelatedField()
    audited = serializers.IntegerField(help_text="Cases in the set")
    waiting = serializers.IntegerField(help_text="Cases waiting for an outcome")

    class Meta:
        model = ReviewSet
        fields = ["id", "reference", "name", "created_by", "created_at", "closed_at", "audited", "waiting"]


class ReviewSetOutput(OutputSerializer):
    created_by = serializers.StringRelatedField()
    items = ReviewItemOutput(many=True, source="visible_items")
    report = ReviewReportOutput()

    class Meta:
        model = ReviewSet
        fields = ["id", "reference", "name", "created_by", "created_at", "closed_at", "items", "report"]


class ReviewSetInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    case_ids = VisibleRelatedField(Case, many=True, source="cases")


class ReviewOutcomeInput(serializers.Serializer):
    case_id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    reason = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, default="")
    route = serializers.ChoiceField(
        choices=CASE_ROUTE_CHOICES, required=False, allow_blank=True, default="", help_text="For a step-down"
    )
    needs = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    receiving_team_id = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(kind=TeamKind.EARLY_HELP_HUB),
        required=False,
        allow_null=True,
        default=None,
        source="receiving_team",
    )
    receiving_agency_id = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        source="receiving_agency",
    )
    lead_professional_id = serializers.PrimaryKeyRelatedField(
        queryset=_users(), required=False, allow_null=True, default=None, source="lead_professional"
    )
    cin_meeting_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreement = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default="", help_text="For closing"
    )
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


def _review_set_output(user, review_set):
    items = list(
        review_items_visible(user, review_set).select_related("case__team", "decided_by").order_by("pk")
    )
    for item in items:
        record_read(RecordType.CASE, item.case_id, item.case.family_id)
    review_set.visible_items = items
    review_set.report = selectors.review_set_report(items)
    return ReviewSetOutput(review_set).data


@extend_schema_view(
    list=extend_schema(summary="Review sets you may read, with how many cases wait for an outcome"),
    retrieve=extend_schema(summary="One review set: its cases, their reasons and outcomes, and the report"),
)
class ReviewSetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewSetSummaryOutput
    queryset = ReviewSet.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewSet.objects.none()
        require_drift_reviewer(self.request.user)
        return selectors.review_sets_listed(self.request.user)

    @extend_schema(responses=ReviewSetOutput)
    def retrieve(self, request, pk=None):
        review_set = review_set_for_user(request.user, pk)
        return Response(_review_set_output(request.user, review_set))

    @extend_schema(
        summary="Put cases in a new review set (each waits for an outcome)",
        request=ReviewSetInput,
        responses={201: ReviewSetOutput},
    )
    def create(self, request):
        require_drift_reviewer(request.user)
        data = ReviewSetInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        review_set = services.review_set_create(by=request.user, **data.validated_data)
        return Response(_review_set_output(request.user, review_set), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a case's outcome: continue, step down (waits for consent), close or escalate",
        request=ReviewOutcomeInput,
        responses=ReviewItemOutput,
    )
    @action(detail=True, methods=["post"])
    def outcomes(self, request, pk=None):
        review_set = review_set_for_user(request.user, pk)
        data = ReviewOutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        item = review_item_for_user(request.user, review_set, values.pop("case_id"))
        refusal = review_refusal(request.user, item.case)
        if refusal:
            raise PermissionDenied(refusal)
        item = services.review_outcome_record(
            item=item,
            by=request.user,
            outcome=values["outcome"],
            reason=values["reason"],
            step_down=services.StepDownChoice(
                route=values["route"],
                needs=values["needs"],
                receiving_team=values["receiving_team"],
                receiving_agency=values["receiving_agency"],
                lead_professional=values["lead_professional"],
                cin_meeting_on=values["cin_meeting_on"],
                agreement=values["agreement"],
            ),
            closure_reason=values["closure_reason"],
            expected_version=values["version"],
        )
        return Response(ReviewItemOutput(item).data)
