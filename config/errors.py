"""The 500 page. Django's own handler renders 500.html with no context; this one adds only the
authority's name, from settings, so the page needs no request, session or database (any of which
may be what failed) and still shows the service's header."""

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader

PLAIN = "<!DOCTYPE html><title>Server error</title><h1>Sorry, there is a problem with the service</h1>"


def server_error(request, template_name: str = "500.html"):
    try:
        body = loader.get_template(template_name).render(
            {"local_authority_name": settings.LOCAL_AUTHORITY_NAME}
        )
    except Exception:  # the error page itself must never fail: fall back to plain text
        body = PLAIN
    return HttpResponseServerError(body)
