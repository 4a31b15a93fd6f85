import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from paperdaily.celery import app
from papers.sources import budgets as ratelimit
from tests.replay import ReplayServer
from tests.smtp import SMTPServer


@pytest.fixture(autouse=True)
def _postgresql_only(request):
    """``@pytest.mark.postgresql(reason=...)``: a test of what only PostgreSQL has (a tsvector, a
    query plan, a GIN index) is skipped on another database, with its reason."""
    marker = request.node.get_closest_marker("postgresql")
    if marker is not None:
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip(f"PostgreSQL only: {marker.kwargs.get('reason', 'no reason given')}")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request served in Chinese
    leaves Chinese active in the thread, and views called directly would inherit it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none spent."""
    cache.clear()


@pytest.fixture(autouse=True)
def _no_thumbnails(settings):
    """A metadata fetch sends its paper to be drawn; tests of thumbnails turn this back on."""
    settings.PAPERDAILY_THUMBNAILS = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # admin_client's user is created with a password; the real hasher costs ~0.2 s a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user_client(client, django_user_model):
    """A client logged in as a reader: an account, but not an editor."""
    client.force_login(django_user_model.objects.create_user(username="reader"))
    return client


class ReplayServers:
    """The replay servers standing in for the four APIs, plus ``trap`` for any host that must never be contacted."""

    names = ("arxiv", "crossref", "semantic_scholar", "github", "gitlab", "huggingface", "trap")

    def __init__(self):
        for name in self.names:
            setattr(self, name, ReplayServer(name=name))

    def servers(self):
        return [getattr(self, name) for name in self.names]

    def all_requests(self):
        """Every request any of the servers received; each says which server in ``.server``."""
        return [request for server in self.servers() for request in server.requests]


@pytest.fixture
def editor_client(client, django_user_model):
    """A staff member of the Editors group (made by the migrations), signed in; ``client.editor`` is the user."""
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    client.editor = editor
    return client


@pytest.fixture
def replay(settings):
    """Local replay servers for arXiv, Crossref, Semantic Scholar and GitHub, with the settings pointing at them."""
    servers = ReplayServers()
    try:
        for server in servers.servers():
            server.start()
        settings.PAPERDAILY_ARXIV_API_URL = servers.arxiv.base_url + "/api/query"
        settings.PAPERDAILY_CROSSREF_API_URL = servers.crossref.base_url
        settings.PAPERDAILY_SEMANTIC_SCHOLAR_API_URL = servers.semantic_scholar.base_url + "/graph/v1"
        settings.PAPERDAILY_GITHUB_API_URL = servers.github.base_url
        settings.PAPERDAILY_GITLAB_API_URL = servers.gitlab.base_url + "/api/v4"
        settings.PAPERDAILY_HUGGINGFACE_API_URL = servers.huggingface.base_url + "/api"
        settings.PAPERDAILY_ARXIV_PDF_URL = servers.arxiv.base_url + "/pdf"
        # Tests of the limiter set their own budgets; everywhere else it must not slow the suite down.
        settings.PAPERDAILY_RATE_LIMITS = dict.fromkeys(
            ("arxiv", "crossref", "semantic_scholar", "github", "gitlab", "huggingface"), "1000 per second"
        )
        settings.PAPERDAILY_HTTP_READ_TIMEOUT = 2.0
        ratelimit.reset()
        yield servers
    finally:
        for server in servers.servers():
            server.stop()


@pytest.fixture
def eager():
    """Run sent tasks at once, in this process, raising what they raise (the broker is not used)."""
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, with Django's e-mail settings pointing at it.

    ``smtp.messages`` holds what it accepted; see tests/smtp.py for refusing and pausing.
    """
    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
