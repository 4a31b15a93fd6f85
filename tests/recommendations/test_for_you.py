"""For you (issue 18, item 3): the trainer, the page, and the personal feed (item 4)."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from recommendations.foryou import services
from recommendations.models import Follow, ForYouPick, LibraryItem, ReaderModel, ReaderSettings
from tests.factories import make_entry, make_issue, make_paper, make_recommender, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

DETECTION = [
    "CornerNet: Detecting Objects as Paired Keypoints",
    "Focal Loss for Dense Object Detection",
    "Feature Pyramid Networks for Object Detection",
    "YOLOv3: An Incremental Improvement in Object Detection",
    "CenterNet: Keypoint Triplets for Object Detection",
    "FCOS: Fully Convolutional One-Stage Object Detection",
]
LANGUAGE = [
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    "Attention Is All You Need for Machine Translation",
    "XLNet: Generalized Autoregressive Pretraining for Language Understanding",
    "RoBERTa: A Robustly Optimized BERT Pretraining Approach for Language Models",
    "ELECTRA: Pre-training Text Encoders as Discriminators for Language Models",
    "GPT-2: Language Models are Unsupervised Multitask Learners",
]


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")


@pytest.fixture
def catalogue():
    """Two topics, each with papers in an older issue (to save) and in the latest (to rank)."""
    detection = make_tag("Object Detection", slug="object-detection")
    detection.name_zh = "目标检测"
    detection.save()
    language = make_tag("Language Models", slug="language-models")
    old, new = make_issue(127), make_issue(128)
    papers = {"old": {"detection": [], "language": []}, "new": {"detection": [], "language": []}}
    for titles, tag, key in ((DETECTION, detection, "detection"), (LANGUAGE, language, "language")):
        for i, title in enumerate(titles):
            issue, age = (old, "old") if i < 3 else (new, "new")
            paper = make_paper(title, abstract=f"{title}. " * 3)
            make_entry(issue, paper=paper, tag=tag, writeup=f"About {tag.name.lower()}.")
            papers[age][key].append(paper)
    return {"detection": detection, "language": language, **papers}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def save(user, *papers, state="saved"):
    for paper in papers:
        LibraryItem.objects.create(user=user, paper=paper, state=state)


def picks(user):
    return list(ForYouPick.objects.filter(user=user).order_by("rank").values_list("paper__title", flat=True))


def test_with_nothing_known_it_lists_the_newest_first(reader, catalogue):
    services.reader_train(user_id=reader.pk)

    titles = picks(reader)
    assert titles[:3] == [paper.title for paper in catalogue["new"]["detection"]]
    assert ForYouPick.objects.filter(user=reader).first().reason == {"kind": "recent"}


def test_with_few_saved_papers_what_one_follows_comes_first(reader, catalogue):
    Follow.objects.create(user=reader, tag=catalogue["language"])

    services.reader_train(user_id=reader.pk)

    assert picks(reader)[:3] == [paper.title for paper in catalogue["new"]["language"]]
    first = ForYouPick.objects.filter(user=reader).order_by("rank").first()
    assert first.reason == {"kind": "topic", "slug": "language-models", "name": "Language Models", "name_zh": ""}


def test_the_model_ranks_what_is_like_the_saved_papers_first(reader, catalogue):
    save(reader, *catalogue["old"]["language"])

    model = services.reader_train(user_id=reader.pk)

    assert set(picks(reader)[:3]) == {paper.title for paper in catalogue["new"]["language"]}
    assert model.positives == 3 and model.terms and model.trained_at is not None
    reasons = [pick.reason for pick in ForYouPick.objects.filter(user=reader).order_by("rank")[:3]]
    assert all(reason["kind"] in ("saved", "terms") for reason in reasons)


def test_saved_and_dismissed_papers_are_never_picked(reader, catalogue):
    save(reader, *catalogue["old"]["detection"], catalogue["new"]["detection"][0])
    save(reader, catalogue["new"]["detection"][1], state="not_interested")

    services.reader_train(user_id=reader.pk)

    titles = picks(reader)
    assert catalogue["new"]["detection"][0].title not in titles
    assert catalogue["new"]["detection"][1].title not in titles
    assert titles[0] == catalogue["new"]["detection"][2].title


def test_it_trains_once_for_the_same_signals(reader, catalogue):
    save(reader, *catalogue["old"]["language"])
    first = services.reader_train(user_id=reader.pk).trained_at

    assert services.reader_train(user_id=reader.pk).trained_at == first
    save(reader, catalogue["new"]["language"][0])
    assert services.reader_train(user_id=reader.pk).trained_at > first


def test_the_page_says_why_and_offers_not_interested(reader, catalogue):
    save(reader, *catalogue["old"]["language"])
    services.reader_train(user_id=reader.pk)

    page = soup(signed_in(reader).get("/for-you/"))

    results = page.select(".search-result")
    assert results and all(result.select_one(".pick-reason") for result in results)
    assert results[0].select_one(".library-buttons__dismiss").get_text(strip=True) == "Not interested"
    assert "Ranked by what you saved (3 papers)" in page.select_one(".for-you__how").get_text(" ", strip=True)


def test_not_interested_takes_a_pick_off_the_page_at_once(reader, catalogue):
    save(reader, *catalogue["old"]["language"])
    services.reader_train(user_id=reader.pk)
    client = signed_in(reader)
    first = catalogue["new"]["language"][0]
    assert first.title in client.get("/for-you/").content.decode()

    client.post(f"/library/papers/{first.pk}/", {"action": "dismiss"})

    page = soup(client.get("/for-you/"))
    assert first.title not in [a.get_text(strip=True) for a in page.select(".search-result__title a")]


def test_a_reader_never_sees_another_readers_picks(reader, catalogue, django_user_model):
    other = django_user_model.objects.create_user("other", "other@example.org", "other-password-1")
    save(other, *catalogue["old"]["detection"])
    services.reader_train(user_id=other.pk)
    ForYouPick.objects.filter(user=other).update(reason={"kind": "terms", "terms": ["others-only-term"]})
    services.reader_train(user_id=reader.pk)

    body = signed_in(reader).get("/for-you/").content.decode()

    assert "others-only-term" not in body


def test_a_reader_never_trained_sees_the_newest(reader, catalogue):
    page = soup(signed_in(reader).get("/for-you/"))

    titles = [a.get_text(strip=True) for a in page.select(".search-result__title a")]
    assert titles[:3] == [paper.title for paper in catalogue["new"]["detection"]]
    assert "The newest papers first" in page.select_one(".for-you__how").get_text()


def test_the_page_needs_a_login(client):
    response = client.get("/for-you/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_has_bounded_queries(reader, catalogue, django_assert_max_num_queries):
    save(reader, *catalogue["old"]["language"])
    services.reader_train(user_id=reader.pk)
    client = signed_in(reader)
    client.get("/for-you/")  # the reader's settings row is made on the first visit

    with django_assert_max_num_queries(14):
        assert client.get("/for-you/").status_code == 200


def test_chinese_topic_names_count_as_text(reader, catalogue):
    texts = services.paper_texts([catalogue["new"]["detection"][0].pk])

    assert "目标检测" in next(iter(texts.values()))


# --- The personal feed


def feed_path(user):
    token = ReaderSettings.objects.get_or_create(user=user)[0].feed_token
    return f"/feeds/me/{token}.atom"


def test_the_feed_is_read_without_logging_in(client, reader, catalogue):
    save(reader, *catalogue["old"]["language"])
    LibraryItem.objects.filter(user=reader).update(note="My private note")
    services.reader_train(user_id=reader.pk)

    response = client.get(feed_path(reader))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "private" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"
    body = response.content.decode()
    assert catalogue["new"]["language"][0].title in body
    assert "My private note" not in body and "reader@example.org" not in body and ">reader<" not in body


def test_the_feed_holds_what_is_new_from_follows(client, reader, catalogue):
    recommender = make_recommender("qaq")
    followed = make_paper("Deformable DETR")
    make_entry(make_issue(129), paper=followed, recommender=recommender)
    Follow.objects.create(user=reader, recommender=recommender)

    body = client.get(feed_path(reader)).content.decode()

    assert "Deformable DETR" in body and "New from what you follow" in body


def test_resetting_the_token_kills_the_old_address(reader, catalogue):
    old_path = feed_path(reader)
    client = signed_in(reader)

    response = client.post("/for-you/feed-token/")

    assert response.status_code == 302
    assert Client().get(old_path).status_code == 404
    assert Client().get(feed_path(reader)).status_code == 200


def test_a_bad_or_unknown_token_is_404(client):
    assert client.get("/feeds/me/not-a-token.atom").status_code == 404
    assert client.get("/feeds/me/" + "A" * 43 + ".atom").status_code == 404


def test_the_feed_token_opens_nothing_else(client, reader, catalogue):
    token = ReaderSettings.objects.get_or_create(user=reader)[0].feed_token

    assert client.get("/api/me/library/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert client.get(f"/for-you/?token={token}").status_code == 302
    assert not Token.objects.filter(key=token).exists()


def test_the_trainer_keeps_no_model_for_readers_it_never_met(catalogue):
    assert services.readers_with_signals() == []
    assert not ReaderModel.objects.exists()
