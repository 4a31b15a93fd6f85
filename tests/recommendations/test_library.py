"""A reader's library (issue 18, item 2): save, note, read, "not interested", filters, exports."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from recommendations.models import LibraryItem
from tests.factories import make_entry, make_issue, make_paper, make_recommender, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("other", "other@example.org", "other-password-1")


@pytest.fixture
def issue():
    return make_issue(128)


@pytest.fixture
def cornernet(issue):
    paper = make_paper(
        "CornerNet: Detecting Objects as Paired Keypoints",
        authors=["Hei Law", "Jia Deng"],
        arxiv_id="1808.01244",
        venue="ECCV 2018",
        year=2018,
        code_urls=["https://github.com/princeton-vl/CornerNet"],
    )
    make_entry(issue, paper=paper, tag=make_tag("Object Detection", slug="object-detection"))
    return paper


@pytest.fixture
def bert(issue):
    paper = make_paper("BERT: Pre-training of Deep Bidirectional Transformers", authors=["Jacob Devlin"])
    make_entry(issue, paper=paper, tag=make_tag("Language Models", slug="language-models"))
    return paper


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, paper, action, **data):
    return client.post(f"/library/papers/{paper.pk}/", {"action": action, **data})


def test_it_saves_a_featured_paper_and_goes_back(reader, cornernet):
    client = signed_in(reader)

    response = post(client, cornernet, "save", next="/issues/128/")

    assert response.status_code == 302 and response["Location"] == "/issues/128/"
    item = LibraryItem.objects.get(user=reader)
    assert item.paper == cornernet and item.state == "saved"


def test_it_makes_one_row_however_often_save_is_pressed(reader, cornernet):
    client = signed_in(reader)
    for _ in range(3):
        post(client, cornernet, "save")

    assert LibraryItem.objects.filter(user=reader).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql(reason="six connections writing at once: SQLite takes one writer and answers 'locked'")
def test_it_makes_one_row_when_saves_race(django_user_model):
    user = django_user_model.objects.create_user("racer", "racer@example.org", "racer-password-1")
    paper = make_paper("Raced paper")
    make_entry(make_issue(7), paper=paper)
    barrier, statuses = threading.Barrier(6), []

    def save():
        client = signed_in(user)
        barrier.wait()
        statuses.append(post(client, paper, "save").status_code)
        connection.close()

    threads = [threading.Thread(target=save) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 6
    assert LibraryItem.objects.filter(user=user, paper=paper).count() == 1


def test_it_refuses_a_paper_readers_cannot_open(reader):
    unpublished = make_paper("Not featured")
    client = signed_in(reader)

    assert post(client, unpublished, "save").status_code == 404
    assert client.post("/library/papers/abc/", {"action": "save"}).status_code == 404
    assert not LibraryItem.objects.exists()


def test_it_answers_an_unknown_action_with_400(reader, cornernet):
    response = post(signed_in(reader), cornernet, "steal")

    assert response.status_code == 400
    assert not LibraryItem.objects.exists()


def test_it_asks_a_signed_out_reader_to_log_in(client, cornernet):
    response = post(client, cornernet, "save")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/library/").status_code == 302


def test_it_never_goes_back_to_another_site(reader, cornernet):
    response = post(signed_in(reader), cornernet, "save", next="https://evil.example/")

    assert response["Location"] == "/library/"


def test_not_interested_takes_a_paper_out_of_the_library_and_keeps_its_note(reader, cornernet):
    client = signed_in(reader)
    post(client, cornernet, "note", note="Corner pooling is the trick.")

    post(client, cornernet, "dismiss")
    assert soup(client.get("/library/")).select(".search-result") == []
    post(client, cornernet, "save")

    item = LibraryItem.objects.get(user=reader)
    assert item.state == "saved" and item.note == "Corner pooling is the trick."


def test_the_library_page_shows_notes_and_read_marks_to_their_reader_only(reader, other, cornernet, bert):
    client = signed_in(reader)
    post(client, cornernet, "note", note="Read the corner pooling section.")
    post(client, cornernet, "read")
    post(signed_in(other), bert, "note", note="Other reader's secret note")

    page = soup(client.get("/library/"))

    assert [a.get_text(strip=True) for a in page.select(".search-result__title a")] == [cornernet.title]
    assert page.select_one("textarea").get_text() == "Read the corner pooling section."
    assert page.select_one(".pill--read") is not None
    assert "secret note" not in str(page)


def test_the_library_filters_by_topic_read_state_and_code(reader, cornernet, bert):
    client = signed_in(reader)
    post(client, cornernet, "save")
    post(client, bert, "save")
    post(client, bert, "read")

    def titles(query):
        page = soup(client.get(f"/library/?{query}"))
        return {a.get_text(strip=True) for a in page.select(".search-result__title a")}

    assert titles("tag=object-detection") == {cornernet.title}
    assert titles("read=read") == {bert.title}
    assert titles("read=unread") == {cornernet.title}
    assert titles("code=on") == {cornernet.title}
    assert titles("tag=no-such-topic&read=sideways") == {cornernet.title, bert.title}


def test_a_note_too_long_is_refused_and_shown_again_as_typed(reader, cornernet):
    client = signed_in(reader)
    post(client, cornernet, "note", note="Kept note")
    long_note = "x" * 5001

    response = post(client, cornernet, "note", note=long_note)

    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("textarea").get_text() == long_note
    assert "at most 5000 characters" in page.select_one(".errorlist").get_text()
    assert LibraryItem.objects.get(user=reader).note == "Kept note"


def test_removing_forgets_the_paper(reader, cornernet):
    client = signed_in(reader)
    post(client, cornernet, "save")

    post(client, cornernet, "remove")

    assert not LibraryItem.objects.filter(user=reader).exists()


def test_the_library_page_has_bounded_queries(reader, issue, django_assert_max_num_queries):
    client = signed_in(reader)
    for i in range(12):
        paper = make_paper(f"Paper {i}", authors=["A B", "C D"], code_urls=[f"https://github.com/o/r{i}"])
        make_entry(issue, paper=paper)
        post(client, paper, "note", note=f"note {i}")

    with django_assert_max_num_queries(12):
        response = client.get("/library/")
    assert response.status_code == 200
    assert len(soup(response).select(".search-result")) == 12


def test_it_exports_bibtex_with_the_notes(reader, other, cornernet, bert):
    client = signed_in(reader)
    post(client, cornernet, "note", note="Corner pooling")
    post(signed_in(other), bert, "save")

    response = client.get("/library/export.bib")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="paperdaily-library-')
    body = response.content.decode()
    assert "@inproceedings{law2018cornernet," in body
    assert "annote = {Corner pooling}" in body
    assert "BERT" not in body


def test_it_exports_csl_json_for_zotero(reader, cornernet):
    client = signed_in(reader)
    post(client, cornernet, "note", note="Corner pooling")

    response = client.get("/library/export.json")

    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    [item] = json.loads(response.content)
    assert item["type"] == "paper-conference"
    assert item["title"] == cornernet.title
    assert item["author"] == [{"family": "Law", "given": "Hei"}, {"family": "Deng", "given": "Jia"}]
    assert item["container-title"] == "ECCV 2018"
    assert item["number"] == "arXiv:1808.01244"
    assert item["note"] == "Corner pooling"


def test_cards_offer_save_to_signed_in_readers_only(client, reader, cornernet):
    anonymous = soup(client.get("/issues/128/"))
    assert anonymous.select(".library-buttons") == []

    signed = signed_in(reader)
    assert soup(signed.get("/issues/128/")).select_one(".entry .library-buttons__save") is not None
    post(signed, cornernet, "save")
    saved = soup(signed.get("/issues/128/")).select_one(".entry .library-buttons__saved")
    assert saved is not None and saved["href"] == f"/library/#library-{cornernet.pk}"

    # Another reader's page, rendered after, says nothing of the first one's library.
    assert soup(client.get("/issues/128/")).select(".library-buttons") == []


def test_the_paper_page_offers_save_or_a_login(client, reader, cornernet):
    link = soup(client.get(f"/papers/{cornernet.pk}/")).select_one(".library-buttons a")
    assert link["href"] == f"/accounts/login/?next=/papers/{cornernet.pk}/"

    button = soup(signed_in(reader).get(f"/papers/{cornernet.pk}/")).select_one(".library-buttons__save")
    assert button is not None


def test_saving_trains_the_readers_for_you(reader, cornernet, bert, eager, django_capture_on_commit_callbacks):
    client = signed_in(reader)

    with django_capture_on_commit_callbacks(execute=True):
        post(client, cornernet, "save")

    assert reader.reader_model.trained_at is not None
    assert list(reader.for_you_picks.values_list("paper_id", flat=True)) == [bert.pk]


def test_a_recommender_of_the_paper_is_no_special_case(reader, issue):
    # The library is about papers: a paper recommended twice is one row.
    paper = make_paper("Twice recommended")
    make_entry(issue, paper=paper, recommender=make_recommender("first"))
    make_entry(issue, paper=paper, recommender=make_recommender("second"))
    client = signed_in(reader)

    post(client, paper, "save")

    assert LibraryItem.objects.filter(user=reader).count() == 1
    assert len(soup(client.get("/library/")).select(".search-result")) == 1


def test_the_library_keeps_its_filters_from_page_to_page(reader, issue):
    client = signed_in(reader)
    for i in range(21):
        paper = make_paper(f"Unread paper {i}")
        make_entry(issue, paper=paper)
        post(client, paper, "save")

    page = soup(client.get("/library/?read=unread"))

    assert page.select_one(".pagination a[rel=next]")["href"] == "?read=unread&page=2"
