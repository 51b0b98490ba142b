"""REST API for professional disagreements: raising one on a contact's outcome or on a decision,
and the ladder's steps."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import OutputSerializer
from config.limits import LONG_TEXT
from disagreements import services
from disagreements.models import Disagreement, DisagreementEvent
from disagreements.permissions import disagreement_for_user, disagreements_visible_to, require_may_raise
from pathways.permissions import decisions_visible_to
from referrals.permissions import letter_for_user, may_disagree


class DisagreementEventOutput(OutputSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = DisagreementEvent
        fields = ["summary", "detail", "at", "by"]


class DisagreementOutput(OutputSerializer):
    owner = serializers.StringRelatedField()
    raised_by = serializers.StringRelatedField()
    events = DisagreementEventOutput(many=True, read_only=True)

    class Meta:
        model = Disagreement
        fields = [
            "id",
            "reference",
            "contact",
            "decision",
            "state",
            "stage",
            "stage_name",
            "high_risk",
            "owner",
            "raised_by",
            "raised_for",
            "raised_at",
            "position",
            "wanted",
            "resolution",
            "decision_changed",
            "version",
            "events",
        ]


class RaiseOnDecisionInput(serializers.Serializer):
    decision_id = serializers.IntegerField()
    position = serializers.CharField(
        max_length=LONG_TEXT,
    )
    wanted = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    high_risk = serializers.BooleanField(required=False, default=False)


class TextInput(serializers.Serializer):
    text = serializers.CharField(
        max_length=LONG_TEXT,
    )


class MeetingInput(serializers.Serializer):
    held_on = serializers.DateField()
    attendees = serializers.CharField(max_length=200)
    notes = serializers.CharField(
        max_length=LONG_TEXT,
    )


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=LONG_TEXT,
    )


class EscalateInput(ReasonInput):
    version = serializers.IntegerField(help_text="The version you read: it changes when the stage does")


class ResolveInput(serializers.Serializer):
    resolution = serializers.CharField(
        max_length=LONG_TEXT,
    )
    decision_changed = serializers.BooleanField()
    late_reason = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(help_text="The version you read: it changes when the stage does")


@extend_schema_view(
    list=extend_schema(summary="Disagreements you may see (both agencies involved)"),
    retrieve=extend_schema(summary="One disagreement with its history"),
)
class DisagreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DisagreementOutput
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            disagreements_visible_to(self.request.user)
            .select_related("owner", "raised_by")
            .prefetch_related("events__by")
        )

    def get_object(self):
        return disagreement_for_user(self.request.user, self.kwargs["pk"])

    def _act(self, request, pk, action_name, input_class, call, created=False):
        disagreement = disagreement_for_user(request.user, pk, action_name)
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        call(disagreement, dict(data.validated_data))
        disagreement.refresh_from_db()
        return Response(
            DisagreementOutput(disagreement).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Disagree with a recorded decision on an open case",
        request=RaiseOnDecisionInput,
        responses={201: DisagreementOutput},
    )
    def create(self, request):
        require_may_raise(request.user)
        data = RaiseOnDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        decision = decisions_visible_to(request.user).filter(pk=values.pop("decision_id")).first()
        if decision is None:
            raise serializers.ValidationError({"decision_id": ["No such decision."]})
        disagreement = services.disagreement_raise_on_decision(decision=decision, by=request.user, **values)
        return Response(DisagreementOutput(disagreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put a position on record (either side)", request=TextInput, responses=DisagreementOutput
    )
    @action(detail=True, methods=["post"])
    def position(self, request, pk=None):
        return self._act(
            request,
            pk,
            "respond",
            TextInput,
            lambda d, v: services.disagreement_position_add(disagreement=d, by=request.user, text=v["text"]),
        )

    @extend_schema(summary="Record a meeting or call", request=MeetingInput, responses=DisagreementOutput)
    @action(detail=True, methods=["post"])
    def meeting(self, request, pk=None):
        return self._act(
            request,
            pk,
            "respond",
            MeetingInput,
            lambda d, v: services.disagreement_meeting_record(disagreement=d, by=request.user, **v),
        )

    @extend_schema(
        summary="Not resolved: escalate to the next stage",
        request=EscalateInput,
        responses=DisagreementOutput,
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(
            request,
            pk,
            "escalate",
            EscalateInput,
            lambda d, v: services.disagreement_escalate(
                disagreement=d, by=request.user, reason=v["reason"], expected_version=v["version"]
            ),
        )

    @extend_schema(
        summary="Record the resolution (whoever answers now)",
        request=ResolveInput,
        responses=DisagreementOutput,
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(
            request,
            pk,
            "resolve",
            ResolveInput,
            lambda d, v: services.disagreement_resolve(
                disagreement=d, by=request.user, expected_version=v.pop("version"), **v
            ),
        )

    @extend_schema(
        summary="Withdraw (the person who raised it)", request=ReasonInput, responses=DisagreementOutput
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(
            request,
            pk,
            "withdraw",
            ReasonInput,
            lambda d, v: services.disagreement_withdraw(disagreement=d, by=request.user, reason=v["reason"]),
        )


class DisagreementInput(serializers.Serializer):
    position = serializers.CharField(
        max_length=LONG_TEXT, help_text="Why the decision is thought to be wrong"
    )
    wanted = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    raised_for = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The referrer, when the front door records it",
    )


class ContactDisagreementView(APIView):
    @extend_schema(
        summary="Disagree with a contact's outcome (the referrer, or the front door for them)",
        request=DisagreementInput,
        responses={201: DisagreementOutput},
    )
    def post(self, request, contact_pk: int):
        contact = letter_for_user(request.user, contact_pk)
        if not may_disagree(request.user, contact):
            raise PermissionDenied("Only the referrer, or the front door for them, can raise a disagreement.")
        data = DisagreementInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if contact.submitted_by_id == request.user.pk:
            values["raised_for"] = ""  # the referrer speaks for themselves
        disagreement = services.disagreement_raise_on_contact(contact=contact, by=request.user, **values)
        return Response(DisagreementOutput(disagreement).data, status=status.HTTP_201_CREATED)
