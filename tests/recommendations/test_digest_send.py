"""What the digest says, as a real SMTP server receives it: each paper with its link, authors,
topic and why, and a footer that says why it came and how to change or stop it."""

from datetime import UTC, datetime, timedelta

import pytest

from recommendations.digest import services as digest
from recommendations.models import DigestDelivery, Follow, ForYouPick, ReaderSettings
from tests.factories import make_entry, make_issue, make_paper, make_tag

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"
    settings.DEFAULT_FROM_EMAIL = "PaperDaily <editors@paperdaily.example>"


@pytest.fixture
def reader(django_user_model):
    user = django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")
    ReaderSettings.objects.create(user=user, digest="daily", digest_since=NOW - timedelta(days=30))
    return user


def new_paper(title, *, tag, authors):
    issue = make_issue(published_at=NOW - timedelta(hours=5))
    paper = make_paper(title, authors=authors)
    make_entry(issue, paper=paper, tag=tag)
    return paper


def send(reader):
    digest.digest_queue(frequency="daily", now=NOW)
    while digest.digest_send_batch():
        pass
    return DigestDelivery.objects.get(user=reader)


def test_it_lists_each_paper_with_its_link_authors_topic_and_reason(reader, smtp):
    detection = make_tag("Object Detection", slug="object-detection")
    parsing = make_tag("Parsing", slug="parsing")
    Follow.objects.create(user=reader, tag=detection)
    followed = new_paper("CornerNet", tag=detection, authors=["Hei Law", "Jia Deng"])
    pick = new_paper("Tree Transformers", tag=parsing, authors=["Ada Lovelace"])
    ForYouPick.objects.create(
        user=reader, paper=pick, rank=1, score=0.9, reason={"kind": "recommender", "handle": "qaq"}
    )

    row = send(reader)

    [received] = smtp.messages
    assert row.status == "sent" and received.message["Subject"] == "Your PaperDaily digest: 2 new papers"
    text, html = received.text, received.html
    for paper, authors, topic, reason in (
        (followed, "Hei Law, Jia Deng", "Topic: Object Detection", "New from what you follow"),
        (pick, "Ada Lovelace", "Topic: Parsing", "Recommended by @qaq, whom you follow"),
    ):
        url = f"https://paperdaily.example{paper.get_absolute_url()}"
        assert f"{paper.title}\n  {url}\n  {authors}\n  {topic}\n  {reason}\n" in text
        assert f'<a href="{url}" style="color: #8f2620;">{paper.title}</a>' in html
        assert authors in html and topic in html and reason in html
    token = reader.reader_settings.digest_token
    for footer in (
        "You get this daily digest because you asked for it on PaperDaily.",
        "https://paperdaily.example/digest/",
        f"https://paperdaily.example/digest/unsubscribe/{token}/",
    ):
        assert footer in text and footer in html
    assert '<html lang="en">' in html


def test_it_sends_the_digest_in_the_sites_language(reader, smtp, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    detection = make_tag("Object Detection", slug="object-detection")
    detection.name_zh = "目标检测"
    detection.save()
    Follow.objects.create(user=reader, tag=detection)
    new_paper("CornerNet", tag=detection, authors=["Hei Law"])

    send(reader)

    [received] = smtp.messages
    assert '<html lang="zh-hans">' in received.html
    assert "目标检测" in received.text and "Object Detection" not in received.text
