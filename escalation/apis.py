"""REST API for notifications and clocks."""

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import OutputSerializer
from config.limits import LONG_TEXT
from escalation import services
from escalation.models import Clock, ClockEvent, Notification, Task
from escalation.permissions import clock_for_user, require_clock_manager
from escalation.selectors import tray


class NotificationOutput(OutputSerializer):
    class Meta:
        model = Notification
        fields = ["id", "what", "why", "due_at", "url", "statutory", "created_at", "read_at"]


@extend_schema_view(list=extend_schema(summary="Your notifications, newest first"))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationOutput
    lookup_value_regex = r"\d+"
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)

    @extend_schema(summary="Mark a notification read", request=None, responses=NotificationOutput)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_queryset().filter(pk=pk).first()
        if notification is None:
            raise Http404("No such notification.")
        services.notification_read(notification=notification)
        return Response(NotificationOutput(notification).data)


class ClockOutput(OutputSerializer):
    holder = serializers.StringRelatedField()
    team = serializers.StringRelatedField()
    target_type = serializers.CharField(source="content_type.model")

    class Meta:
        model = Clock
        fields = [
            "id",
            "kind",
            "state",
            "target_type",
            "object_id",
            "holder",
            "team",
            "pathway",
            "started_at",
            "due_at",
            "breached_at",
            "ended_at",
            "late_reason",
            "version",
        ]


class DueChangeInput(serializers.Serializer):
    due_at = serializers.DateTimeField()
    reason = serializers.CharField(
        max_length=LONG_TEXT,
    )
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ClockEventOutput(OutputSerializer):
    by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ClockEvent
        fields = ["summary", "detail", "at", "by"]


class ClockDetailOutput(ClockOutput):
    events = ClockEventOutput(many=True)

    class Meta(ClockOutput.Meta):
        fields = [*ClockOutput.Meta.fields, "events"]


@extend_schema_view(
    list=extend_schema(summary="Running and overdue clocks (managers)"),
    retrieve=extend_schema(
        summary="One clock with its history: started, due time moved (and why), paused, breached, met",
        responses=ClockDetailOutput,
    ),
)
class ClockViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClockOutput
    lookup_value_regex = r"\d+"
    queryset = Clock.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Clock.objects.none()
        require_clock_manager(self.request.user)
        return Clock.objects.filter(state__in=["running", "paused", "breached"]).select_related(
            "holder", "team", "content_type"
        )

    def retrieve(self, request, pk=None):
        clock = clock_for_user(request.user, pk)
        prefetch_related_objects(
            [clock], Prefetch("events", queryset=ClockEvent.objects.select_related("by"))
        )
        return Response(ClockDetailOutput(clock).data)

    @extend_schema(
        summary="Move a due time, with the reason (managers)", request=DueChangeInput, responses=ClockOutput
    )
    @action(detail=True, methods=["post"])
    def due(self, request, pk=None):
        clock = self.get_queryset().filter(pk=pk).first()
        if clock is None:
            raise Http404("No such clock.")
        data = DueChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        clock = services.clock_due_change(
            clock=clock,
            due_at=data.validated_data["due_at"],
            reason=data.validated_data["reason"],
            by=request.user,
            expected_version=data.validated_data["version"],
        )
        return Response(ClockOutput(clock).data)


class TaskOutput(OutputSerializer):
    due_at = serializers.DateTimeField(
        source="due", allow_null=True, help_text="From the clock timing the wait"
    )
    assigned_to = serializers.SerializerMethodField(
        help_text="`me`, or `team` when anyone in the team may do it"
    )
    team = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "kind",
            "summary",
            "why",
            "url",
            "object_id",
            "due_at",
            "assigned_to",
            "team",
            "opened_at",
        ]

    def get_assigned_to(self, task) -> str:
        return "me" if task.user_id else "team"


@extend_schema_view(
    list=extend_schema(summary="Your work tray: open tasks for you and your teams, most urgent first")
)
class TrayViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskOutput
    queryset = Task.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        return tray(self.request.user)
