"""Collects the records a request reads and writes them to the access log in one INSERT; turns a
restricted record into the break-glass page."""

from audit.views import restricted_record
from cases.access_log import REFUSED_STATUSES, reads_begin, reads_end, reads_write
from cases.choices import Via
from cases.permissions import RecordRestricted


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = Via.API if request.path.startswith("/api/") else Via.PAGE
        token = reads_begin(user=None, route=request.path, method=request.method, via=via)
        try:
            response = self.get_response(request)
        finally:
            reads = reads_end(token)
        refused = response.status_code in REFUSED_STATUSES
        if reads is not None and (response.status_code < 400 or refused):
            match = getattr(request, "resolver_match", None)
            reads.route = (match.route if match and match.route else request.path)[:200]
            reads.user = getattr(request, "user", None)
            reads_write(reads, refused=refused)
        return response


class RestrictedRecordMiddleware:
    """A page that tried to open a restricted record shows that it exists and the break-glass form
    instead (the API answers 403 with the same facts: config/api.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RecordRestricted) and not request.path.startswith("/api/"):
            return restricted_record(request, exception)
        return None
