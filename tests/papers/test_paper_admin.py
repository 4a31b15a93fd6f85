"""The back office of the metadata workers: fetch again, hand edits kept, errors in plain sight."""

import re

import pytest

from papers.models import Author, Paper, PaperAuthor, Repository
from tests.factories import make_entry, make_issue
from tests.recorded import serve

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("error::DeprecationWarning")]

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def change_form_data(paper, **changes):
    data = {
        field: getattr(paper, field) or ""
        for field in Paper.FETCHED_FIELDS
        if field not in ("authors", "published_on", "arxiv_version", "year")
    }
    data.update(
        metadata_status=paper.metadata_status,
        institutions="\n".join(paper.institutions),
        locked_fields=paper.locked_fields,
        **{
            f"{prefix}-{key}": value
            for prefix in ("authorships", "repository_links", "links")
            for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
        },
    )
    data.update(changes)
    return data


def test_it_keeps_a_title_an_editor_changed_when_the_paper_is_fetched_again(
    admin_client, replay, eager, django_capture_on_commit_callbacks
):
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/ARXIV:1808.01244", status=404, body={"error": "not found"})
    paper = Paper.objects.create(arxiv_id="1808.01244", title="Cornernet", metadata_status="ok")

    response = admin_client.post(
        f"/admin/papers/paper/{paper.pk}/change/", change_form_data(paper, title="CornerNet (ECCV 2018)")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/papers/paper/", {"action": "fetch_again", "_selected_action": [paper.pk]})

    paper.refresh_from_db()
    assert paper.locked_fields == ["title"]
    assert paper.title == "CornerNet (ECCV 2018)"
    assert paper.authors.count() == 2  # the rest was fetched
    assert len(replay.arxiv.requests) == 1


def test_it_fetches_a_paper_again_when_an_editor_changes_its_identifier(
    admin_client, replay, eager, django_capture_on_commit_callbacks
):
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/ARXIV:1808.01244", status=429, body={"message": "Too Many Requests"})
    paper = Paper.objects.create(metadata_status=Paper.MetadataStatus.NEEDS_EDITOR)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/papers/paper/{paper.pk}/change/", change_form_data(paper, arxiv_id="arXiv:1808.01244v2")
        )

    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.arxiv_id == "1808.01244"
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert paper.title == "CornerNet: Detecting Objects as Paired Keypoints"


def test_it_tells_the_editor_what_an_arxiv_id_looks_like(admin_client):
    paper = Paper.objects.create(title="Some paper")

    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/change/", change_form_data(paper, arxiv_id="18.0"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["arxiv_id"] == [
        "This is not an arXiv id we can read; arXiv ids look like 1808.01244 or hep-th/9901001."
    ]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10.1145/3209978.3209998", "10.1145/3209978.3209998"),
        ("https://doi.org/10.18653/v1/D18-1217", "10.18653/v1/d18-1217"),
        ("doi:10.1609/AAAI.v33i01.33016399", "10.1609/aaai.v33i01.33016399"),
        ("10.48550/arXiv.1808.01244", "10.48550/arxiv.1808.01244"),
    ],
)
def test_it_stores_a_doi_as_parsing_does(admin_client, typed, stored):
    paper = Paper.objects.create(title="Some paper")

    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/change/", change_form_data(paper, doi=typed))

    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.doi == stored


@pytest.mark.parametrize("typed", ["11.1145/3209978", "3209978.3209998", "https://example.org/10.1145/1"])
def test_it_refuses_what_is_not_a_doi(admin_client, typed):
    paper = Paper.objects.create(title="Some paper")

    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/change/", change_form_data(paper, doi=typed))

    assert response.context["adminform"].form.errors["doi"] == ["A DOI starts with 10., such as 10.18653/v1/d18-1217."]


def test_it_lists_failures_with_their_reason(admin_client):
    Paper.objects.create(
        arxiv_id="1901.99999", metadata_status="failed", metadata_error="arXiv has no paper 1901.99999."
    )
    Repository.objects.create(
        url="https://github.com/a/b",
        owner="a",
        name="b",
        fetch_status="missing",
        fetch_error="GitHub has no repository a/b",
    )

    papers = admin_client.get("/admin/papers/paper/?metadata_status__exact=failed")
    repositories = admin_client.get("/admin/papers/repository/?fetch_status__exact=missing")

    assert "arXiv has no paper 1901.99999." in papers.content.decode()
    assert "GitHub has no repository a/b" in repositories.content.decode()


def test_it_shows_a_fetched_paper_and_repository_with_what_the_sources_sent(admin_client):
    paper = Paper.objects.create(title="T", raw_metadata={"arxiv": "<entry>…</entry>"}, metadata_status="ok")
    repository = Repository.objects.create(url="https://github.com/a/b", owner="a", name="b", raw_metadata={"id": 1})

    paper_page = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/")
    repository_page = admin_client.get(f"/admin/papers/repository/{repository.pk}/change/")

    assert paper_page.status_code == repository_page.status_code == 200
    assert "&lt;entry&gt;…&lt;/entry&gt;" in paper_page.content.decode()
    assert "Kept as edited" in repository_page.content.decode()


def test_it_shows_how_many_tries_the_current_fetch_has_had(admin_client):
    paper = Paper.objects.create(arxiv_id="1808.01244", fetch_attempts=3)
    repository = Repository.objects.create(url="https://github.com/a/b", owner="a", name="b", fetch_attempts=2)

    paper_page = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/").content.decode()
    repository_page = admin_client.get(f"/admin/papers/repository/{repository.pk}/change/").content.decode()

    assert re.search(r"Fetch tries:</label>\s*<div class=\"readonly\">3</div>", paper_page)
    assert re.search(r"Fetch tries:</label>\s*<div class=\"readonly\">2</div>", repository_page)


def test_it_fetches_repositories_again_from_the_list(admin_client, replay, eager, django_capture_on_commit_callbacks):
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models", owner="tensorflow", name="models", fetch_status="failed"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/papers/repository/", {"action": "fetch_again", "_selected_action": [repository.pk]}, follow=True
        )

    repository.refresh_from_db()
    assert "1 repository queued." in response.content.decode()
    assert repository.fetch_status == Repository.FetchStatus.OK


def test_it_refreshes_a_whole_issue_from_the_issue_list(
    admin_client, replay, eager, django_capture_on_commit_callbacks
):
    serve(replay.github, "github/repos-tensorflow-models.json")
    replay.arxiv.add("/api/query", body_file="arxiv/batch-2025.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", status=429, body={"message": "slow down"})
    issue = make_issue(published=False)
    for arxiv_id in ("1809.08370", "1901.07291"):
        make_entry(issue, paper=Paper.objects.create(arxiv_id=arxiv_id), status="accepted")
    paper = issue.entries.first().recommendation.paper
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models", owner="tensorflow", name="models"
    )
    paper.repository_links.create(repository=repository)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/recommendations/issue/", {"action": "refresh_metadata", "_selected_action": [issue.pk]}
        )

    assert set(Paper.objects.values_list("metadata_status", flat=True)) == {"ok"}
    assert Repository.objects.get().stars == 77481
    assert len(replay.arxiv.requests) == 1


def repository_form_data(url, **changes):
    return {"url": url, "host": "", "owner": "", "name": "", "fetch_status": "pending", "archived": "", **changes}


def test_it_reads_a_repository_added_by_hand_from_its_link(
    admin_client, replay, eager, django_capture_on_commit_callbacks
):
    serve(replay.github, "github/repos-tensorflow-models.json")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/papers/repository/add/",
            repository_form_data(
                "github.com/tensorflow/models/tree/master/research/cvt_text", owner="someone", name="else"
            ),
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    repository = Repository.objects.get()
    assert (repository.url, repository.host, repository.owner, repository.name) == (
        "https://github.com/tensorflow/models",
        "github.com",
        "tensorflow",
        "models",
    )
    assert repository.stars == 77481


def test_it_reads_a_hugging_face_dataset_added_by_hand(admin_client, replay, eager, django_capture_on_commit_callbacks):
    serve(replay.huggingface, "huggingface/datasets-rajpurkar-squad.json")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/papers/repository/add/", repository_form_data("https://hf.co/datasets/rajpurkar/squad/tree/main")
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    repository = Repository.objects.get()
    assert (repository.url, repository.host, repository.kind) == (
        "https://huggingface.co/datasets/rajpurkar/squad",
        "huggingface.co",
        "dataset",
    )
    assert repository.stars == 311


# Issue 17: GitLab is read now; a host we do not read, or a page that is no repository, is still refused.
@pytest.mark.parametrize(
    "url", ["https://sourceforge.net/projects/b", "https://github.com/orgs/tensorflow", "javascript:alert(1)"]
)
def test_it_refuses_a_repository_link_it_cannot_read(admin_client, replay, url):
    response = admin_client.post("/admin/papers/repository/add/", repository_form_data(url, owner="a", name="b"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not Repository.objects.exists()
    assert replay.all_requests() == []


def test_it_refuses_a_repository_already_listed_under_another_case(admin_client):
    Repository.objects.create(url="https://github.com/tensorflow/models", owner="tensorflow", name="models")

    response = admin_client.post(
        "/admin/papers/repository/add/", repository_form_data("https://github.com/TensorFlow/Models")
    )

    assert response.context["adminform"].form.errors["url"] == [
        "tensorflow/models is already in the list of repositories."
    ]
    assert Repository.objects.count() == 1


# --- Issue 17, item 11: institutions one per line, authors typed by name (no popup)


def test_it_edits_institutions_one_per_line(admin_client):
    paper = Paper.objects.create(title="Some paper", institutions=["Princeton University"])

    page = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/").content.decode()
    response = admin_client.post(
        f"/admin/papers/paper/{paper.pk}/change/",
        change_form_data(paper, institutions="  Princeton   University \r\n\r\nTsinghua University\r\n"),
    )

    assert re.search(r'<textarea name="institutions"[^>]*>\s*Princeton University</textarea>', page)
    assert response.status_code == 302, response.context["adminform"].form.errors
    paper.refresh_from_db()
    assert paper.institutions == ["Princeton University", "Tsinghua University"]


def test_it_refuses_an_institution_line_that_is_too_long_and_keeps_what_was_saved(admin_client):
    paper = Paper.objects.create(title="Some paper", institutions=["MIT"])

    response = admin_client.post(
        f"/admin/papers/paper/{paper.pk}/change/", change_form_data(paper, institutions="x" * 301)
    )

    assert response.status_code == 200
    assert "one institution per line" in str(response.context["adminform"].form.errors["institutions"])
    paper.refresh_from_db()
    assert paper.institutions == ["MIT"]


def test_it_adds_authors_by_name_without_a_popup(admin_client):
    known = Author.objects.create(name="Hei Law")
    paper = Paper.objects.create(title="CornerNet")

    page = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/").content.decode()
    response = admin_client.post(
        f"/admin/papers/paper/{paper.pk}/change/",
        change_form_data(
            paper,
            **{
                "authorships-TOTAL_FORMS": 2,
                "authorships-0-position": 1,
                "authorships-0-author_name": "Hei Law",
                "authorships-1-position": 2,
                "authorships-1-author_name": "  Jia   Deng ",
            },
        ),
    )

    assert 'name="authorships-0-author_name"' in page and "add_id_authorships" not in page
    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = list(PaperAuthor.objects.filter(paper=paper).order_by("position").select_related("author"))
    assert [(row.position, row.author.name) for row in rows] == [(1, "Hei Law"), (2, "Jia Deng")]
    assert rows[0].author == known
    paper.refresh_from_db()
    assert "authors" in paper.locked_fields
