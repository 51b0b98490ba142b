"""The statutory returns' pages: ask for the census, follow its build, download it, and the
data-quality list of what to fix before it is sent."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from cases.choices import Via
from config.forms import form_add_service_errors
from returns import services
from returns.census import CensusYear, census_years_available
from returns.choices import BuildState, ReturnKind
from returns.dashboards import Scope, dashboard_cached
from returns.forms import AnnexARequestForm, CensusRequestForm, DashboardFilterForm
from returns.models import ReturnBuild
from returns.permissions import (
    build_for_user,
    children_named_for,
    dashboard_links,
    dashboard_teams,
    require_returns_maker,
)
from returns.selectors import census_quality

# Each return's page: the form that asks for it, and the template listing the user's recent ones.
REQUEST_PAGES = {
    ReturnKind.CIN_CENSUS: (CensusRequestForm, "returns/census.html"),
    ReturnKind.ANNEX_A: (AnnexARequestForm, "returns/annex_a.html"),
}


def _request_page(request, kind: str, **context):
    """Ask for a return (POST) or show the page to ask for it; the service checks the request."""
    require_returns_maker(request.user)
    form_class, template = REQUEST_PAGES[kind]
    form = form_class(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                build = services.return_build_request(user=request.user, kind=kind, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, f"{build.get_kind_display()} {build.period} is being made.")
                return redirect(build)
    builds = ReturnBuild.objects.filter(requested_by=request.user, kind=kind)[:10]
    return render(request, template, {"form": form, "builds": builds, **context}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def census(request):
    return _request_page(
        request, ReturnKind.CIN_CENSUS, years=[CensusYear(year) for year in census_years_available()]
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def annex_a(request):
    return _request_page(request, ReturnKind.ANNEX_A)


@login_required
@require_safe
def build_status(request, pk: int):
    build = build_for_user(request.user, pk)
    template = "returns/_build_progress.html" if request.htmx else "returns/build.html"
    return render(request, template, {"build": build})


@login_required
@require_safe
def build_download(request, pk: int):
    build = build_for_user(request.user, pk)
    if build.state != BuildState.DONE:
        raise Http404("This return is not ready.")
    path = services.return_build_handover(build=build, user=request.user, route=request.path, via=Via.EXPORT)
    if path is None:
        return render(request, "returns/build.html", {"build": build, "gone": True}, status=410)
    response = FileResponse(path.open("rb"), content_type=build.content_type)
    response["Content-Disposition"] = f'attachment; filename="{build.file_name}"'
    return response


@login_required
@require_safe
def census_quality_page(request, year: int):
    require_returns_maker(request.user)
    if year not in census_years_available():
        raise Http404("No such census year.")
    rows = census_quality(year)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    open_ids = children_named_for(request.user, [row.child.person for row in page])
    context = {
        "period": CensusYear(year),
        "page": page,
        "open_ids": open_ids,
        "children_with_errors": sum(1 for row in rows if row.errors),
        "children_with_queries": sum(1 for row in rows if not row.errors),
    }
    return render(request, "returns/quality.html", context)


@login_required
@require_safe
def dashboard_page(request):
    """The managers' dashboards: figures with their charts and tables, for the teams and period
    chosen. Filters that do not make sense (a team not the user's, a day that is not real) are
    shown as errors, with no figures."""
    teams = dashboard_teams(request.user)
    form = DashboardFilterForm(request.GET or None, teams=teams)
    if form.is_bound and not form.is_valid():
        return render(request, "returns/dashboard.html", {"form": form}, status=400)
    team = form.cleaned_data.get("team") if form.is_bound else None
    figures = dashboard_cached(
        scope=Scope.of(teams, team), period=form.period, links=dashboard_links(request.user)
    )
    minutes = -(-settings.DASHBOARD_CACHE_SECONDS // 60)
    return render(
        request, "returns/dashboard.html", {"form": form, "dashboard": figures, "cache_minutes": minutes}
    )
