from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from audit.forms import AccessLogSearchForm
from audit.models import AccessLogEntry
from audit.permissions import require_auditor
from audit.selectors import COLUMNS, access_log_search


class AccessLogOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = AccessLogEntry
        fields = COLUMNS


@extend_schema_view(
    list=extend_schema(
        summary="Search the access log (auditors and administrators)",
        parameters=[
            OpenApiParameter(name, str)
            for name in ("username", "record_type", "record_id", "family_id", "date_from", "date_to")
        ],
    )
)
class AccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AccessLogOutput
    queryset = AccessLogEntry.objects.none()

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
