import pytest
from django.db import IntegrityError, transaction

from papers.models import Paper, PaperAuthor, Repository
from tests.factories import make_author, make_paper, make_repository

pytestmark = pytest.mark.django_db

IDENTIFIERS = {
    "arxiv_id": "1808.01244",
    "doi": "10.1145/3209978.3209998",
    "openreview_id": "r1lrAiA5Ym",
    "acl_id": "C18-1183",
}


@pytest.mark.parametrize(("field", "value"), IDENTIFIERS.items())
def test_it_refuses_two_papers_with_one_identifier(field, value):
    make_paper(**{field: value})

    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(**{field: value})


@pytest.mark.parametrize("field", IDENTIFIERS)
def test_it_allows_many_papers_without_an_identifier(field):
    for _ in range(3):
        make_paper(**{field: ""})

    assert Paper.objects.filter(**{field: ""}).count() == 3


def test_it_allows_papers_that_differ_in_every_identifier():
    make_paper(arxiv_id="1808.01244")
    make_paper(arxiv_id="1809.08370", doi="10.1609/aaai.v33i01.33016399")

    assert Paper.objects.count() == 2


def test_it_refuses_an_unknown_metadata_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(metadata_status="lost")


def test_it_refuses_an_implausible_year():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(year=1200)


def test_it_refuses_two_repositories_with_one_url():
    make_repository("https://github.com/princeton-vl/CornerNet")

    with pytest.raises(IntegrityError), transaction.atomic():
        Repository.objects.create(
            url="https://github.com/princeton-vl/CornerNet", host="gitlab.com", owner="x", name="y"
        )


def test_it_refuses_one_repository_twice_by_host_owner_and_name():
    make_repository("https://github.com/princeton-vl/CornerNet")

    with pytest.raises(IntegrityError), transaction.atomic():
        Repository.objects.create(
            url="https://github.com/princeton-vl/CornerNet/", owner="princeton-vl", name="CornerNet"
        )


def test_it_keeps_authors_in_paper_order_not_name_order():
    names = ["Kevin Clark", "Minh-Thang Luong", "Christopher D. Manning", "Quoc V. Le", "Aaron Zed", "Abel Ant"]
    paper = make_paper(authors=names)

    reloaded = Paper.objects.with_listing_details().get(pk=paper.pk)

    assert [author.name for author in reloaded.ordered_authors] == names


def test_it_refuses_two_authors_in_one_position():
    paper = make_paper(authors=["Hei Law"])

    with pytest.raises(IntegrityError), transaction.atomic():
        PaperAuthor.objects.create(paper=paper, author=make_author("Jia Deng"), position=1)


def test_it_refuses_one_author_twice_on_a_paper():
    paper = make_paper(authors=["Hei Law"])
    author = paper.authorships.get().author

    with pytest.raises(IntegrityError), transaction.atomic():
        PaperAuthor.objects.create(paper=paper, author=author, position=2)


def test_it_names_an_untitled_paper_by_its_identifier_else_its_number():
    paper = make_paper("")

    assert str(paper) == f"Paper #{paper.pk}, not identified"
    assert not paper.has_title
    assert paper.landing_url == ""
    paper.arxiv_id = "1808.01244"
    assert str(paper) == "arXiv:1808.01244"
    paper.arxiv_id, paper.doi = "", "10.1007/978-3-030-01264-9_45"
    assert str(paper) == "doi:10.1007/978-3-030-01264-9_45"
