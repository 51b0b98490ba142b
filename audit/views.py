"""The access log (search, CSV export), PDF chronologies, and restricted records: the break-glass
page, marking and managing restrictions, and the weekly break-glass report."""

import csv
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import selectors, services
from audit.choices import ExportState
from audit.exports import chronology_export_request
from audit.forms import (
    AccessLogSearchForm,
    BreakGlassForm,
    ChronologyExportForm,
    RestrictionForm,
    RestrictionLiftForm,
    RestrictionNameForm,
    WeekForm,
)
from audit.models import ChronologyExport
from audit.permissions import (
    require_auditor,
    require_exporter,
    require_restriction_reader,
    restriction_for_user,
    restrictions_visible_to,
)
from audit.route_words import entries_in_words
from audit.selectors import COLUMNS, access_log_page, access_log_rows, access_log_search
from audit.services import week_start
from cases.access_log import REFUSED, access_log_write, record_read
from cases.choices import RecordType, Via
from cases.models import Case
from cases.permissions import (
    RecordRestricted,
    family_for_user,
    may_restrict,
    require_restricter,
    restrictable_for_user,
    restrictions_covering,
)
from config.db_router import pinned, replica_reads
from config.forms import form_add_service_errors


@login_required
@require_safe
def access_log(request):
    require_auditor(request.user)
    query = request.GET.copy()
    before = query.pop("before", [""])[-1]
    form = AccessLogSearchForm(query if query or before else None)
    page, status = None, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        try:
            with replica_reads():
                page = access_log_page(access_log_search(form.cleaned_data if form.is_bound else {}), before)
        except (ValueError, OverflowError):
            form.add_error(None, "That link to older reads is not one of this page's: search again.")
            status = 400
    with replica_reads():
        rows = entries_in_words(page.entries) if page else []
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "refused": REFUSED}
    return render(request, "audit/access_log.html", context, status=status)


class _Echo:
    def write(self, value):
        return value


@login_required
@require_safe
def access_log_export(request):
    """The filtered log as CSV, streamed (memory stays flat however long the range)."""
    require_auditor(request.user)
    form = AccessLogSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/access_log.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    with replica_reads():
        entries = pinned(access_log_rows(access_log_search(data)))  # read as the response streams
    access_log_write(
        user=request.user,
        record_type=RecordType.ACCESS_LOG,
        record_id=0,
        route=request.get_full_path(),
        via=Via.EXPORT,
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(COLUMNS)
        for row in entries.iterator(chunk_size=2000):
            yield writer.writerow([row[0].isoformat(), *row[1:]])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response


# --- PDF chronologies -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def chronology_export_new(request, family_pk: int):
    require_exporter(request.user)
    family = family_for_user(request.user, family_pk)
    form = ChronologyExportForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        try:
            export = chronology_export_request(user=request.user, family=family, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("audit:export", pk=export.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "audit/export_new.html", {"family": family, "form": form}, status=status)


def _own_export(request, pk: int) -> ChronologyExport:
    export = (
        ChronologyExport.objects.filter(pk=pk, requested_by=request.user).select_related("family").first()
    )
    if export is None:
        raise Http404("No such export.")  # only the person who asked for it can see or fetch it
    family_for_user(request.user, export.family_id)  # restricted since it was made: break glass first
    return export


@login_required
@require_safe
def chronology_export_status(request, pk: int):
    export = _own_export(request, pk)
    template = "audit/_export_progress.html" if request.htmx else "audit/export.html"
    return render(request, template, {"export": export})


@login_required
@require_safe
def chronology_export_download(request, pk: int):
    export = _own_export(request, pk)
    if export.state != ExportState.DONE:
        raise Http404("This export is not ready.")
    if export.expired or not Path(export.file_path).exists():
        return render(request, "audit/export.html", {"export": export, "gone": True}, status=410)
    access_log_write(
        user=request.user,
        record_type=RecordType.FAMILY,
        record_id=export.family_id,
        family_id=export.family_id,
        route=request.path,
        via=Via.EXPORT,
        sha256=export.sha256,
    )
    response = FileResponse(Path(export.file_path).open("rb"), content_type="application/pdf")  # noqa: SIM115 (FileResponse closes it)
    response["Content-Disposition"] = f'attachment; filename="chronology-F{export.family_id}-{export.pk}.pdf"'
    return response


# --- Restricted records -------------------------------------------------------------------------


def restricted_record(request, restricted: RecordRestricted, *, form=None, status=403):
    """What someone sees instead of a restricted record: that it exists, and the break-glass form."""
    if request.method in ("GET", "HEAD"):
        back = request.get_full_path()
    else:  # a form that was being sent: back to the page it came from, not to its POST-only address
        referer = request.headers.get("referer", "")
        back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}) else ""
    form = form or BreakGlassForm(initial={"next": back})
    context = {"restricted": restricted, "form": form, "hours": settings.BREAK_GLASS_HOURS}
    return render(request, "audit/restricted.html", context, status=status)


def _record_url(record_type: str, record_id: int) -> str:
    if record_type == RecordType.PERSON:
        return reverse("cases:person-detail", args=[record_id])
    if record_type == RecordType.CASE:
        return reverse("cases:case-detail", args=[record_id])
    case = Case.objects.filter(family_id=record_id).order_by("-opened_at", "-pk").first()
    return reverse("cases:case-detail", args=[case.pk]) if case else reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request, record_type: str, record_id: int):
    restrictions = restrictions_covering(request.user, record_type, record_id)
    restricted = RecordRestricted(record_type, record_id)
    if request.method == "GET":
        initial = {"next": request.GET.get("next", "")}
        return restricted_record(request, restricted, form=BreakGlassForm(initial=initial), status=200)
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        try:
            services.restriction_break_glass(
                user=request.user,
                restrictions=list(restrictions),
                record_type=record_type,
                record_id=record_id,
                family_id=selectors.family_of(record_type, record_id),
                reason=form.cleaned_data["reason"],
                route=request.path,
                via=Via.PAGE,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            wanted = form.cleaned_data["next"]
            safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure())
            messages.info(
                request,
                f"Your reason is logged. You can open this record for {settings.BREAK_GLASS_HOURS} hours.",
            )
            return redirect(wanted if wanted and safe else _record_url(record_type, record_id))
    return restricted_record(request, restricted, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def restriction_new(request, record_type: str, record_id: int):
    require_restricter(request.user)
    record = restrictable_for_user(request.user, record_type, record_id)
    if record_type == RecordType.FAMILY:
        family_ids = [record.pk]
    else:
        family_ids = list(record.memberships.values_list("family_id", flat=True))
    form = RestrictionForm(request.POST or None, candidates=selectors.restriction_candidates(family_ids))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            restriction = services.restriction_mark(
                by=request.user,
                family=record if record_type == RecordType.FAMILY else None,
                person=record if record_type == RecordType.PERSON else None,
                category=data["category"],
                reason=data["reason"],
                named_users=list(data["named_users"]),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"The record is restricted ({restriction}).")
            return redirect(restriction)
    context = {"form": form, "record": record, "record_type": record_type}
    return render(request, "audit/restriction_new.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def restriction_list(request):
    require_restriction_reader(request.user)
    restrictions = restrictions_visible_to(request.user).select_related("family", "person", "marked_by")
    return render(request, "audit/restriction_list.html", {"restrictions": restrictions[:500]})


@login_required
def restriction_detail(request, pk: int, *, name_form=None, lift_form=None, status=200):
    restriction = restriction_for_user(request.user, pk)
    manages = (
        restriction.is_live
        and may_restrict(request.user)
        and restriction.named.filter(user=request.user, removed_at__isnull=True).exists()
    )
    record_read(restriction.record_type, restriction.record_id, restriction.family_id)
    context = {
        "restriction": restriction,
        "named": restriction.named.filter(removed_at__isnull=True).select_related("user", "added_by"),
        "events": restriction.events.select_related("by", "user"),
        "openings": restriction.break_glasses.select_related("user")[:200],
        "manages": manages,
        "record_url": _record_url(restriction.record_type, restriction.record_id),
    }
    if manages:
        initial = {"version": restriction.version}
        context["name_form"] = name_form or RestrictionNameForm(initial=initial)
        context["lift_form"] = lift_form or RestrictionLiftForm(initial=initial)
    return render(request, "audit/restriction.html", context, status=status)


@login_required
@require_POST
def restriction_name(request, pk: int):
    restriction = restriction_for_user(request.user, pk, "change")
    form = RestrictionNameForm(request.POST)
    if form.is_valid():
        try:
            services.restriction_name_user(
                restriction=restriction,
                user=form.cleaned_data["username"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['username']} can now open the record.")
            return redirect(restriction)
    return restriction_detail(request, pk, name_form=form, status=400)


@login_required
@require_POST
def restriction_unname(request, pk: int, user_pk: int):
    restriction = restriction_for_user(request.user, pk, "change")
    access = restriction.named.filter(user_id=user_pk, removed_at__isnull=True).select_related("user").first()
    if access is None:
        raise Http404("That person is not named on this restriction.")
    try:
        services.restriction_unname_user(
            restriction=restriction,
            user=access.user,
            by=request.user,
            version=request.POST.get("version", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{access.user} is no longer named on the restriction.")
    return redirect(restriction)


@login_required
@require_POST
def restriction_lift(request, pk: int):
    restriction = restriction_for_user(request.user, pk, "lift")
    form = RestrictionLiftForm(request.POST)
    if form.is_valid():
        try:
            services.restriction_lift(
                restriction=restriction,
                by=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The restriction is lifted.")
            return redirect(restriction)
    return restriction_detail(request, pk, lift_form=form, status=400)


@login_required
@require_safe
def break_glass_report(request):
    """The weekly report of break-glass openings (auditors: all; managers: their restrictions)."""
    require_restriction_reader(request.user)
    form = WeekForm(request.GET or None)
    start = form.cleaned_data["week"] if form.is_bound and form.is_valid() else None
    start = week_start(start or timezone.localdate())
    context = {
        "form": form,
        "start": start,
        "end": start + timedelta(days=6),
        "previous": start - timedelta(days=7),
        "next": start + timedelta(days=7),
        "openings": selectors.break_glass_week(request.user, start),
    }
    return render(request, "audit/break_glass_report.html", context, status=400 if form.errors else 200)
