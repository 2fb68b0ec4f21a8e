"""Pages go out compressed; feeds, private answers and pages reached by a token do not."""

import gzip

import pytest

from notifier import tokens
from tests.deprecations import factories
from tests.notifier import people

pytestmark = pytest.mark.django_db
GZIP = {"accept-encoding": "gzip, deflate, br"}


def test_a_page_is_compressed_for_a_client_that_accepts_it(client):
    factories.entry()
    page = client.get("/", headers=GZIP)
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    assert b"chatgpt-4o-latest" in gzip.decompress(page.content)
    assert "Content-Encoding" not in client.get("/")  # and not for one that does not


def test_a_form_page_differs_every_time_in_its_compressed_bytes(client):
    # BREACH: the CSRF token is masked anew and the gzip header carries random bytes.
    first, second = (client.get("/subscribe/", headers=GZIP) for _ in range(2))
    assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
    assert b"csrfmiddlewaretoken" in gzip.decompress(first.content)
    assert first.content != second.content


def test_feeds_are_not_compressed(client):
    factories.entry()
    for path in ("/calendar.ics", "/changes.atom"):
        response = client.get(path, headers=GZIP)
        assert response.status_code == 200 and "Content-Encoding" not in response, path


def test_a_page_reached_by_a_token_is_not_compressed(client):
    subscriber = people.subscriber()
    page = client.get(f"/manage/{tokens.make(subscriber, tokens.MANAGE)}/", headers=GZIP)
    assert page.status_code == 200 and subscriber.feed_token in page.content.decode()
    assert "Content-Encoding" not in page


def test_a_private_answer_is_not_compressed(client):
    page = client.get("/admin/login/", headers=GZIP)
    assert page.status_code == 200 and "private" in page["Cache-Control"]
    assert "Content-Encoding" not in page
