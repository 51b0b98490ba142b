from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.models import User
from audit import services
from audit.forms import AccessLogSearchForm, WeekForm
from audit.permissions import (
    require_auditor,
    require_restriction_reader,
    restriction_for_user,
    restrictions_visible_to,
)
from audit.selectors import COLUMNS, access_log_search, break_glass_week, family_of
from audit.services import week_start
from cases.choices import OPENABLE_RECORDS, RESTRICTABLE_RECORDS, RecordType, RestrictionCategory, Via
from cases.models import AccessLogEntry, BreakGlass, Restriction
from cases.permissions import require_restricter, restrictable_for_user, restrictions_covering
from config.api import OutputSerializer
from config.db_router import replica_reads


class AccessLogOutput(OutputSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = AccessLogEntry
        fields = COLUMNS


class AccessLogCursor(CursorPagination):
    """The access log pages by cursor (`next` and `previous` links), newest first: it grows by tens
    of millions of rows a year, and page numbers would count and skip through them."""

    ordering = ("-at", "-id")
    page_size = 100


@extend_schema_view(
    list=extend_schema(
        summary="Search the access log (auditors and administrators)",
        parameters=[
            OpenApiParameter(name, str)
            for name in (
                "username",
                "record_type",
                "record_id",
                "family_id",
                "date_from",
                "date_to",
                "outcome",
            )
        ],
    )
)
class AccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AccessLogOutput
    queryset = AccessLogEntry.objects.none()
    pagination_class = AccessLogCursor

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLogEntry.objects.none()
        require_auditor(self.request.user)
        form = AccessLogSearchForm(self.request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [e["message"] for e in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        return access_log_search(form.cleaned_data if form.is_bound else {})

    def list(self, request, *args, **kwargs):
        require_auditor(request.user)  # on the primary: a role just taken away is gone
        with replica_reads():
            return super().list(request, *args, **kwargs)


# --- Restricted records -------------------------------------------------------------------------


class RestrictionNamedOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    added_at = serializers.DateTimeField()


class RestrictionOutput(OutputSerializer):
    record_type = serializers.CharField(read_only=True)
    record_id = serializers.IntegerField(read_only=True)
    marked_by = serializers.CharField(source="marked_by.username")
    lifted_by = serializers.CharField(source="lifted_by.username", allow_null=True, default=None)
    named = serializers.SerializerMethodField()

    class Meta:
        model = Restriction
        fields = [
            "id",
            "record_type",
            "record_id",
            "category",
            "reason",
            "marked_by",
            "marked_at",
            "lifted_by",
            "lifted_at",
            "lift_reason",
            "version",
            "named",
        ]

    @extend_schema_field(RestrictionNamedOutput(many=True))
    def get_named(self, restriction):
        named = restriction.named.filter(removed_at__isnull=True).select_related("user")
        return RestrictionNamedOutput(named, many=True).data


class RestrictionInput(serializers.Serializer):
    record_type = serializers.ChoiceField(choices=RESTRICTABLE_RECORDS)
    record_id = serializers.IntegerField(min_value=1)
    category = serializers.ChoiceField(choices=RestrictionCategory.choices)
    reason = serializers.CharField(max_length=2000)
    named_usernames = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, default=list
    )

    def validate_named_usernames(self, usernames):
        users = list(User.objects.filter(username__in=usernames, is_active=True))
        missing = sorted(set(usernames) - {user.username for user in users})
        if missing:
            raise serializers.ValidationError(f"No active user: {', '.join(missing)}.")
        return users


class RestrictionNameInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    version = serializers.IntegerField()

    def validate_username(self, username):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise serializers.ValidationError("There is no active user with that username.")
        return user


class RestrictionLiftInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(summary="Restricted records you look after (auditors: all)"),
    retrieve=extend_schema(summary="A restriction, with who is named on it"),
    create=extend_schema(summary="Restrict a family or a person (managers)", request=RestrictionInput),
)
class RestrictionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = RestrictionOutput
    queryset = Restriction.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Restriction.objects.none()
        return restrictions_visible_to(self.request.user).select_related("marked_by", "lifted_by")

    def get_object(self):
        return restriction_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        require_restricter(request.user)
        data = RestrictionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        record = restrictable_for_user(request.user, fields["record_type"], fields["record_id"])
        target = {"family" if fields["record_type"] == RecordType.FAMILY else "person": record}
        restriction = services.restriction_mark(
            by=request.user,
            category=fields["category"],
            reason=fields["reason"],
            named_users=fields["named_usernames"],
            **target,
        )
        return Response(RestrictionOutput(restriction).data, status=status.HTTP_201_CREATED)

    def _change_named(self, request, pk, change):
        restriction = restriction_for_user(request.user, pk, "change")
        data = RestrictionNameInput(data=request.data)
        data.is_valid(raise_exception=True)
        restriction = change(
            restriction=restriction,
            user=data.validated_data["username"],
            by=request.user,
            version=data.validated_data["version"],
        )
        return Response(RestrictionOutput(restriction).data)

    @extend_schema(summary="Name someone who may open the record", request=RestrictionNameInput)
    @action(detail=True, methods=["post"], url_path="name")
    def name_user(self, request, pk=None):
        return self._change_named(request, pk, services.restriction_name_user)

    @extend_schema(summary="Take someone off the restriction", request=RestrictionNameInput)
    @action(detail=True, methods=["post"], url_path="unname")
    def unname_user(self, request, pk=None):
        return self._change_named(request, pk, services.restriction_unname_user)

    @extend_schema(summary="Lift the restriction, saying why", request=RestrictionLiftInput)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        restriction = restriction_for_user(request.user, pk, "lift")
        data = RestrictionLiftInput(data=request.data)
        data.is_valid(raise_exception=True)
        restriction = services.restriction_lift(
            restriction=restriction, by=request.user, **data.validated_data
        )
        return Response(RestrictionOutput(restriction).data)


class BreakGlassOutput(OutputSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = BreakGlass
        fields = ["id", "restriction", "username", "record_type", "record_id", "reason", "at", "expires_at"]


class BreakGlassInput(serializers.Serializer):
    record_type = serializers.ChoiceField(choices=OPENABLE_RECORDS)
    record_id = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)


@extend_schema_view(
    list=extend_schema(
        summary="The weekly break-glass report (auditors: all; managers: their restrictions)",
        parameters=[OpenApiParameter("week", OpenApiTypes.DATE, description="A day in the week wanted")],
    ),
    create=extend_schema(
        summary="Break glass: open a restricted record, saying why (logged; its managers are told)",
        request=BreakGlassInput,
        responses={201: BreakGlassOutput(many=True)},
    ),
)
class BreakGlassViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = BreakGlassOutput
    queryset = BreakGlass.objects.none()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BreakGlass.objects.none()
        user = self.request.user
        require_restriction_reader(user)
        form = WeekForm(self.request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [e["message"] for e in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        day = form.cleaned_data["week"] if form.is_bound else timezone.localdate()
        return break_glass_week(user, week_start(day))

    def create(self, request, *args, **kwargs):
        data = BreakGlassInput(data=request.data)
        data.is_valid(raise_exception=True)
        record_type, record_id = data.validated_data["record_type"], data.validated_data["record_id"]
        restrictions = restrictions_covering(request.user, record_type, record_id)
        openings = services.restriction_break_glass(
            user=request.user,
            restrictions=list(restrictions),
            record_type=record_type,
            record_id=record_id,
            family_id=family_of(record_type, record_id),
            reason=data.validated_data["reason"],
            route=request.path,
            via=Via.API,
        )
        return Response(BreakGlassOutput(openings, many=True).data, status=status.HTTP_201_CREATED)
