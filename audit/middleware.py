"""Collects the records a request reads and writes them to the access log in one INSERT."""

from audit.choices import Via
from audit.services import reads_begin, reads_end, reads_write


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
        if reads is not None and response.status_code < 400:
            match = getattr(request, "resolver_match", None)
            reads.route = (match.route if match and match.route else request.path)[:200]
            reads.user = getattr(request, "user", None)
            reads_write(reads)
        return response
