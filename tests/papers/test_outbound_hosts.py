"""Whatever link is submitted, the workers contact the configured API hosts and nothing else.

Each link goes the way a submitted one does: parsed (never fetched), its row found or created,
and its fetch run against the replay servers. The APIs here answer with redirects and URLs
that point at ``trap``, a server that stands for an internal address. Every socket the
process opens is recorded: it must lead to an API's replay server, PostgreSQL or Redis.
"""

import socket

import pytest

from papers import services
from papers.identifiers import LinkError, PaperRef, parse_link
from papers.sources.base import SourceError

pytestmark = pytest.mark.django_db

# {trap} is the trap server's port: these links name a live address that must still not be asked.
ELSEWHERE = [
    "http://127.0.0.1:{trap}/abs/1808.01244",
    "http://localhost:{trap}/abs/1808.01244",
    "http://[::1]:{trap}/abs/1808.01244",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0x7f000001:{trap}/",
    "http://2130706433:{trap}/",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "ftp://arxiv.org/abs/1808.01244",
    "javascript:fetch('http://127.0.0.1:{trap}/')",
    "data:text/html,<script>1</script>",
    "https://arxiv.org@127.0.0.1:{trap}/abs/1808.01244",
    "https://arxiv.org:{trap}/abs/1808.01244",
    "https://arxiv.org.127.0.0.1.nip.io/abs/1808.01244",
    "https://127.0.0.1:{trap}/arxiv.org/abs/1808.01244",
    "https://github.com@127.0.0.1:{trap}/tensorflow/models",
    "http://127.0.0.1:{trap}/tensorflow/models",
    "https://gitlab.com@127.0.0.1:{trap}/libeigen/eigen",
    "https://huggingface.co:{trap}/google-bert/bert-base-uncased",
    "https://huggingface.co.127.0.0.1.nip.io/google-bert/bert-base-uncased",
    "https://gitlab.example.com/libeigen/eigen",
    "https://codeberg.org@127.0.0.1:{trap}/forgejo/forgejo",
]
# Links to the real sites, some with an address in their query: the address is never read.
API_SITES = [
    "https://doi.org/10.1145/3209978.3209998?next=http://127.0.0.1:{trap}/",
    "https://github.com/tensorflow/models?redirect=http://127.0.0.1:{trap}/",
    "https://openreview.net/forum?id=r1lrAiA5Ym&url=http://127.0.0.1:{trap}/",
    "https://aclanthology.org/C18-1183/",
    "https://arxiv.org/abs/1808.01244",
    "doi:10.1145/3209978.3209998",
    "https://github.com/tensorflow/models/tree/master/research/cvt_text",
    "https://gitlab.com/libeigen/eigen/-/tree/master?redirect=http://127.0.0.1:{trap}/",
    "https://huggingface.co/google-bert/bert-base-uncased",
    "https://huggingface.co/datasets/rajpurkar/squad",
    "https://gitee.com/mindspore/mindspore?next=http://127.0.0.1:{trap}/",
    "https://bitbucket.org/atlassian/python-bitbucket",
    "https://codeberg.org/forgejo/forgejo",
]


@pytest.fixture
def sockets(monkeypatch):
    """Every address this process connects a socket to, and every host name it looks up."""
    seen = {"connect": [], "lookup": []}
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            seen["connect"].append((address[0], address[1]))
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        seen["lookup"].append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


def script_hostile_apis(replay):
    """Every API answers by pointing somewhere else: the trap."""
    trap = replay.trap.base_url
    for server in (replay.arxiv, replay.crossref, replay.semantic_scholar):
        for method in ("GET", "POST"):
            for path in ("/api/query", "/graph/v1/paper/batch"):
                server.add(path, method=method, status=302, headers={"Location": trap + "/internal"})
    for path in ("/works/10.1145/3209978.3209998",):
        replay.crossref.add(path, status=301, headers={"Location": trap + path})
    for path in ("/graph/v1/paper/ACL:C18-1183", "/graph/v1/paper/DOI:10.1145/3209978.3209998"):
        replay.semantic_scholar.add(path, status=307, headers={"Location": trap + path})
    replay.semantic_scholar.add(
        "/graph/v1/paper/URL:https://openreview.net/forum?id=r1lrAiA5Ym",
        body={"paperId": "x", "title": "Backpropamine", "openAccessPdf": {"url": trap + "/secret.pdf"}},
    )
    replay.github.add("/repos/tensorflow/models", status=301, headers={"Location": trap + "/repositories/1"})
    replay.gitlab.add(
        "/api/v4/projects/libeigen%2Feigen", status=301, headers={"Location": trap + "/api/v4/projects/1"}
    )
    replay.huggingface.add("/api/models/google-bert/bert-base-uncased", status=307, headers={"Location": trap + "/"})
    replay.huggingface.add(
        "/api/datasets/rajpurkar/squad",
        body={"id": "rajpurkar/squad", "likes": 1, "cardData": {"homepage": trap + "/internal"}},
    )
    replay.trap.add("/internal", body={"title": "internal secret"})


def submit(link):
    """What a submission does with a link: parse it, find or create the row, fetch."""
    ref = parse_link(link)
    if isinstance(ref, PaperRef):
        paper, _ = services.paper_get_or_create(ref=ref)
        try:
            services.paper_fetch_metadata(paper_id=paper.pk)
        except SourceError as error:  # a retryable error is fine here; where the request went is the point
            return error
    else:
        repository, _ = services.repository_get_or_create(ref=ref)
        try:
            services.repository_fetch(repository_id=repository.pk)
        except SourceError as error:
            return error
    return None


def test_it_contacts_only_the_configured_api_hosts_whatever_link_is_submitted(replay, sockets, settings):
    script_hostile_apis(replay)
    trap_port = replay.trap.port
    outcomes = {}

    for template in ELSEWHERE + API_SITES:
        link = template.format(trap=trap_port)
        try:
            outcomes[link] = submit(link)
        except LinkError as error:
            outcomes[link] = error

    api_ports = {server.port for server in replay.servers() if server is not replay.trap}
    database_ports = {int(settings.DATABASES["default"]["PORT"] or 5432), 6379}
    assert replay.trap.requests == []
    assert all(port in api_ports | database_ports for _host, port in sockets["connect"]), sockets["connect"]
    assert {host for host, _port in sockets["connect"]} <= {"127.0.0.1"}
    assert set(sockets["lookup"]) <= {"127.0.0.1", "localhost"}, sockets["lookup"]
    # The well-formed links did reach their APIs, so the guard above was really exercised.
    asked = {request.server for request in replay.all_requests()}
    assert {"arxiv", "crossref", "semantic_scholar", "github", "gitlab", "huggingface"} <= asked


@pytest.mark.parametrize("link", ELSEWHERE)
def test_it_refuses_links_to_other_hosts_before_anything_is_saved(link, replay, django_assert_num_queries):
    link = link.format(trap=replay.trap.port)

    with django_assert_num_queries(0), pytest.raises(LinkError):
        parse_link(link)
