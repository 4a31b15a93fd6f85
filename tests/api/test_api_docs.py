"""The API docs page works offline and under the Content-Security-Policy: everything it loads
(scripts, styles, images, fonts) comes from our own site."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static

from tests.htmlcheck import soup

# url(...) and @import in a style sheet, where data: URLs are fine and anything with a host is not.
_CSS_URL = re.compile(r"""(?:url\(\s*|@import\s+)["']?([^"')\s]+)""")
DOCS_PAGES = ["/api/docs/"]


def _is_ours(url):
    return url.startswith("data:") or url.startswith("#") or (url.startswith("/") and not url.startswith("//"))


def _static_path(url):
    """The file behind a static URL: a source file by its plain name, or the collected file by its
    hashed one (make test runs collectstatic, and pages then link the hashed names)."""
    name = url.removeprefix(static("")).split("?")[0]
    return finders.find(name) or staticfiles_storage.path(name)


@pytest.mark.django_db
@pytest.mark.parametrize("path", DOCS_PAGES)
def test_it_loads_nothing_from_another_host(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = soup(response.content.decode())
    loaded = [tag.get("src") or tag.get("href") for tag in page.find_all(["script", "link", "img", "iframe"])]
    loaded = [url for url in loaded if url]

    assert any(url.endswith(".js") for url in loaded)
    assert [url for url in loaded if not _is_ours(url)] == []
    for url in loaded:
        if url.startswith(static("")) and url.split("?")[0].endswith(".css"):
            with open(_static_path(url), encoding="utf-8") as sheet:
                outside = [found for found in _CSS_URL.findall(sheet.read()) if not _is_ours(found)]
            assert outside == [], url
        elif url.startswith(path):  # the page's own start-up script, served by the view
            script = client.get(url).content.decode()
            assert not re.search(r"""["']https?://""", script), url


@pytest.mark.django_db
def test_it_lists_only_docs_pages_that_exist_in_the_api_root(client):
    links = client.get("/api/").json()

    assert "redoc" not in links
    assert client.get(links["docs"].removeprefix("http://testserver")).status_code == 200
