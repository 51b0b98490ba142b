"""Requests no view should see."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers

NUL_MESSAGE = "Text may not hold the NUL character (\\u0000): remove it and try again."


class RejectNulMiddleware:
    """A NUL character in the address, the query or a submitted form can be stored nowhere
    (PostgreSQL refuses it): answer 400, naming the field, before any view or query runs. JSON
    bodies are checked by the API's parser (config.parsers.ObjectJSONParser)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({field: [NUL_MESSAGE]}, status=400)
        return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _field_with_nul(request) -> str | None:
        if "\x00" in request.path:
            return "detail"
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for values in sources:
            for key, items in values.lists():
                if "\x00" in key:
                    return "detail"
                if any("\x00" in item for item in items):
                    return key
        return None


class NoStoreMiddleware:
    """Nothing a signed-in user is shown is kept by a browser's or a proxy's cache (a shared
    computer's back button, a council's web proxy): every answer to them says no-store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
