"""The access log for auditors and administrators: search it, and export it as CSV."""

import csv
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.choices import ExportState, RecordType, Via
from audit.exports import chronology_export_request
from audit.forms import AccessLogSearchForm, ChronologyExportForm
from audit.models import ChronologyExport
from audit.permissions import require_auditor, require_exporter
from audit.selectors import COLUMNS, access_log_rows, access_log_search
from audit.services import access_log_write
from cases.permissions import family_for_user
from config.forms import form_add_service_errors


@login_required
def access_log(request):
    require_auditor(request.user)
    form = AccessLogSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        page = Paginator(access_log_search(form.cleaned_data), 100).get_page(request.GET.get("page"))
    elif not form.is_bound:
        page = Paginator(access_log_search({}), 100).get_page(1)
    status = 400 if form.is_bound and not form.is_valid() else 200
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/access_log.html", context, status=status)


class _Echo:
    def write(self, value):
        return value


@login_required
def access_log_export(request):
    """The filtered log as CSV, streamed (memory stays flat however long the range)."""
    require_auditor(request.user)
    form = AccessLogSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/access_log.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    entries = access_log_rows(access_log_search(data))
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
    return export


@login_required
def chronology_export_status(request, pk: int):
    export = _own_export(request, pk)
    template = "audit/_export_progress.html" if request.htmx else "audit/export.html"
    return render(request, template, {"export": export})


@login_required
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
