"""The access log for auditors and administrators: search it, and export it as CSV."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.choices import RecordType, Via
from audit.forms import AccessLogSearchForm
from audit.selectors import access_log_search
from audit.services import access_log_write

COLUMNS = [
    "at",
    "username",
    "record_type",
    "record_id",
    "family_id",
    "route",
    "method",
    "via",
    "reason",
    "sha256",
]


def require_auditor(user) -> None:
    if not user.has_perm("audit.view_access_log"):
        raise PermissionDenied("The access log is for auditors and administrators.")


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
    entries = access_log_search(data).values_list(
        "at",
        "user__username",
        "record_type",
        "record_id",
        "family_id",
        "route",
        "method",
        "via",
        "reason",
        "sha256",
    )
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
