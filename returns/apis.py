"""REST API for the statutory returns: ask for a census, follow its build, download it, and the
data-quality list."""

from dataclasses import asdict

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import Via
from returns import services
from returns.census import census_years_available
from returns.choices import ReturnKind
from returns.dashboards import PERIOD_MONTHS, Scope, dashboard_cached
from returns.forms import DashboardFilterForm
from returns.permissions import (
    build_for_user,
    children_named_for,
    dashboard_links,
    dashboard_teams,
    require_returns_maker,
)
from returns.selectors import census_quality


class BuildOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    year = serializers.IntegerField()
    end_on = serializers.DateField(allow_null=True)
    months = serializers.IntegerField()
    state = serializers.CharField()
    children_done = serializers.IntegerField()
    children = serializers.IntegerField()
    children_with_errors = serializers.IntegerField()
    children_with_queries = serializers.IntegerField()
    sha256 = serializers.CharField()
    error = serializers.CharField()
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class CensusRequestInput(serializers.Serializer):
    year = serializers.IntegerField(
        help_text="The year the census ends: 2026 is 1 April 2025 to 31 March 2026"
    )


class CensusRequestView(APIView):
    @extend_schema(
        summary="Ask for the Children in Need census of a year (made by a worker)",
        request=CensusRequestInput,
        responses={202: BuildOutput},
    )
    def post(self, request):
        require_returns_maker(request.user)
        data = CensusRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        build = services.return_build_request(user=request.user, year=data.validated_data["year"])
        return Response(BuildOutput(build).data, status=status.HTTP_202_ACCEPTED)


class AnnexARequestInput(serializers.Serializer):
    end_on = serializers.DateField(help_text="The last day the lists cover")
    months = serializers.ChoiceField(choices=[6, 12], default=6)


class AnnexARequestView(APIView):
    @extend_schema(
        summary="Ask for Ofsted's Annex A lists 1-7 for the months up to a date (made by a worker)",
        request=AnnexARequestInput,
        responses={202: BuildOutput},
    )
    def post(self, request):
        require_returns_maker(request.user)
        data = AnnexARequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        build = services.return_build_request(
            user=request.user, kind=ReturnKind.ANNEX_A, **data.validated_data
        )
        return Response(BuildOutput(build).data, status=status.HTTP_202_ACCEPTED)


class BuildView(APIView):
    @extend_schema(summary="A return's build: its state and progress", responses=BuildOutput)
    def get(self, request, pk):
        return Response(BuildOutput(build_for_user(request.user, pk)).data)


class BuildDownloadView(APIView):
    @extend_schema(
        summary="Download a finished return (census XML, Annex A workbook)",
        responses={
            (200, "application/xml"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, pk):
        build = build_for_user(request.user, pk)
        path = services.return_build_handover(build=build, user=request.user, route=request.path, via=Via.API)
        if path is None:
            raise Http404("This return is not ready, or has expired: ask for it again.")
        response = FileResponse(path.open("rb"), content_type=build.content_type)
        response["Content-Disposition"] = f'attachment; filename="{build.file_name}"'
        return response


class ProblemOutput(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["ERROR", "QUERY"])
    message = serializers.CharField()
    fix_url = serializers.CharField()


class ChildProblemsOutput(serializers.Serializer):
    la_child_id = serializers.CharField()
    person = serializers.IntegerField()
    name = serializers.CharField(allow_null=True, help_text="Null for a record restricted from you")
    problems = ProblemOutput(many=True)


class CensusQualityView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="Children whose records the DfE's census rules would reject or query, errors first",
        responses=ChildProblemsOutput(many=True),
    )
    def get(self, request, year):
        require_returns_maker(request.user)
        if year not in census_years_available():
            raise Http404("No such census year.")
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(census_quality(year), request, view=self)
        open_ids = children_named_for(request.user, [row.child.person for row in rows])
        data = [
            {
                "la_child_id": row.child.la_child_id,
                "person": row.child.person.pk,
                "name": str(row.child.person) if row.child.person.pk in open_ids else None,
                "problems": [asdict(problem) for problem in row.problems],
            }
            for row in rows
        ]
        return paginator.get_paginated_response(ChildProblemsOutput(data, many=True).data)


# --- the managers' dashboards ---------------------------------------------------------------------


class FigureRowOutput(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="What the chart's bar shows")
    text = serializers.CharField(help_text="The value as the chart reads it")
    values = serializers.DictField(
        child=serializers.IntegerField(allow_null=True), help_text="The table's numbers, by column"
    )
    url = serializers.CharField(help_text="The list behind this row, when the user may open it")


class FigureOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    about = serializers.CharField(help_text="What is counted")
    columns = serializers.ListField(child=serializers.CharField())
    rows = FigureRowOutput(many=True)
    url = serializers.CharField(help_text="The list behind the figure, when the user may open it")


class PeriodOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="The last day counted")


class DashboardOutput(serializers.Serializer):
    team = serializers.IntegerField(allow_null=True, help_text="The team chosen; null for all your teams")
    teams = serializers.ListField(child=serializers.IntegerField(), help_text="The teams counted")
    period = PeriodOutput()
    as_at = serializers.DateTimeField(
        help_text="When the figures were counted (kept up to DASHBOARD_CACHE_SECONDS)"
    )
    figures = FigureOutput(many=True)


def _figure_data(figure) -> dict:
    return {
        "key": figure.key,
        "title": figure.title,
        "about": figure.about,
        "columns": figure.columns,
        "url": figure.url,
        "rows": [
            {
                "label": row.label,
                "value": row.value,
                "text": row.text,
                "values": dict(zip(figure.columns, row.cells, strict=True)),
                "url": row.url,
            }
            for row in figure.rows
        ],
    }


class DashboardView(APIView):
    @extend_schema(
        summary="The managers' dashboard figures for your teams (team managers, MASH, heads of service)",
        parameters=[
            OpenApiParameter("team", int, description="One of your teams; leave out for all of them"),
            OpenApiParameter(
                "months", int, enum=list(PERIOD_MONTHS), description="The last 3, 6 or 12 months"
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Instead of months: the first day"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="With start: the last day"),
        ],
        responses=DashboardOutput,
    )
    def get(self, request):
        teams = dashboard_teams(request.user)
        form = DashboardFilterForm(request.query_params or None, teams=teams)
        if form.is_bound and not form.is_valid():
            raise ValidationError(
                {
                    "non_field_errors" if field == "__all__" else field: list(errors)
                    for field, errors in form.errors.items()
                }
            )
        team = form.cleaned_data.get("team") if form.is_bound else None
        result = dashboard_cached(
            scope=Scope.of(teams, team), period=form.period, links=dashboard_links(request.user)
        )
        data = {
            "team": team.pk if team else None,
            "teams": list(result.scope.team_ids),
            "period": {"start": result.period.start, "end": result.period.end},
            "as_at": result.as_at,
            "figures": [_figure_data(figure) for figure in result.figures],
        }
        return Response(DashboardOutput(data).data)
