"""The 400, 403, 404 and 500 pages are the service's own, in its layout, with a way back, when DEBUG
is off (as on a live service)."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import include, path

from config.urls import handler500  # noqa: F401 (this module stands in as ROOT_URLCONF)


def _refuses(request):
    raise PermissionDenied("Only a team manager can close a case.")


def _breaks(request):
    raise RuntimeError("something went wrong inside")


def _suspicious(request):
    raise SuspiciousOperation("bad input")


urlpatterns = [
    path("boom/", _breaks),
    path("refuse/", _refuses),
    path("suspicious/", _suspicious),
    path("", include("config.urls")),
]

pytestmark = [pytest.mark.django_db]
live = override_settings(DEBUG=False, ROOT_URLCONF=__name__)


@live
def test_a_missing_page_is_the_services_own_page_with_a_way_home(cast, client_for):
    response = client_for(cast.fh_worker).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="govuk-header' in html and 'id="navigation"' in html  # the service's layout
    assert 'href="/"' in html and "your home page" in html


@live
def test_a_record_someone_may_not_see_is_the_same_404_page(cast, world, client_for):
    response = client_for(cast.fh_worker_south).get(f"/cases/{world.north_case.pk}/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@live
def test_a_refusal_says_why_in_the_services_layout(cast, client_for):
    response = client_for(cast.fh_worker).get("/refuse/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot do this" in html
    assert "Only a team manager can close a case." in html
    assert 'id="navigation"' in html and 'href="/"' in html


@live
def test_a_bad_request_has_a_page_of_its_own(cast, client_for):
    response = client_for(cast.fh_worker).get("/suspicious/")
    assert response.status_code == 400
    assert "problem with the request" in response.content.decode()


@live
def test_a_server_error_shows_the_styled_page_without_any_detail():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "govuk-frontend.min.css" in html and 'class="govuk-header' in html
    assert 'href="/"' in html
    assert "something went wrong inside" not in html and "Traceback" not in html


def test_the_500_page_renders_with_no_request_and_no_database(settings, django_assert_num_queries):
    """Rendered on its own, as the handler does when the database is what failed."""
    from config.errors import server_error

    settings.LOCAL_AUTHORITY_NAME = "Testshire County Council"
    with django_assert_num_queries(0):
        html = server_error(None).content.decode()
    assert "Testshire County Council" in html
    assert "Sorry, there is a problem with the service" in html
