"""A missing page and a server error look like the site: its navigation, a search box, the
reader's language; the server error page renders without touching the database."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """The test client leaves the language of its last request active in this thread."""
    yield
    translation.deactivate()


def _has_the_site_around_it(html: str):
    assert '<nav aria-label="Main">' in html or '<nav aria-label="Navigation principale">' in html
    assert '<a href="/past/">' in html and '<a href="/subscribe/">' in html
    assert '<form class="filters" method="get" action="/" role="search">' in html
    assert '<input id="f-find" name="model" type="search"' in html
    assert '<footer class="site">' in html and 'rel="stylesheet"' in html


def test_a_missing_page_is_a_404_with_the_sites_navigation_and_a_search_box(client):
    for path in ("/no/such/page/", "/vendors/no-such-vendor/", "/vendors/openai/999999/"):
        response = client.get(path)
        assert response.status_code == 404, path
        html = response.content.decode()
        _has_the_site_around_it(html)
        assert "<h1>Page not found</h1>" in html


def test_the_404_page_speaks_the_readers_language(client):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    html = response.content.decode()
    assert response.status_code == 404 and '<html lang="fr">' in html
    assert "<h1>Page introuvable</h1>" in html
    _has_the_site_around_it(html)


def test_the_500_page_has_the_site_around_it_and_asks_nothing_of_the_database():
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        response = server_error(request)
    assert response.status_code == 500 and len(queries) == 0
    html = response.content.decode()
    _has_the_site_around_it(html)
    assert "<h1>Something went wrong on our side</h1>" in html
    assert 'name="csrfmiddlewaretoken"' not in html  # no form that could only fail


def test_the_500_page_in_french_when_the_request_was():
    with translation.override("fr"):
        html = server_error(RequestFactory().get("/")).content.decode()
    assert '<html lang="fr">' in html and "Un problème est survenu de notre côté" in html
