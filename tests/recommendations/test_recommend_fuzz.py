"""Generated submissions to the recommend form, and to the service behind it: never a 500, never half saved.

Each example is one POST to /recommend/ (or one call of ``recommendation_submit``) built
from real-looking links and values mixed with hostile ones: huge strings, control and
bidi characters, look-alike hosts, odd topic values, missing and repeated keys, broken
images. After each, the database holds either exactly one new, clean recommendation or
nothing new at all; then the example's writes are rolled back to a savepoint, so that
the next example starts from the same rows.
"""

import io
import string
import unicodedata
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from papers.models import Paper, Repository, Tag
from recommendations.models import Figure, Recommendation
from recommendations.recommending.services import Submitted, recommendation_submit
from tests.factories import make_area, make_paper, make_recommendation, make_tag

from .helpers import login_recommender

pytestmark = pytest.mark.django_db

URL = "/recommend/"
WEB_EXAMPLES = 1000
SERVICE_EXAMPLES = 300
# Examples run, by test: each test checks its own count, and the last test reports them all.
EXAMPLES = Counter()

FUZZ = {
    "deadline": None,
    "database": None,  # nothing written to .hypothesis/ in the working tree
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}

# --- Values

# Characters that make text lie about itself, break storage, or both.
NASTY_CHARACTERS = [
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f",
    "\t", "\r", "\n", "\r\n",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2067", "\u2069",
    "\ufeff", "\u2028", "\u2029", "\u00a0", "\u3000", "\u00ad", "\ufffd", "\U000e0041",
    "🧪", "👩🏽‍🔬", "🇺🇳", "論文", "图神经网络", "ﷺ", "\u0301", "Ω", "ǅ", "İ", "ß",
]  # fmt: skip

ARXIV_LINKS = st.builds(
    lambda form, yymm, number, version: form.format(id=f"{yymm}.{number:05d}", v=version),
    st.sampled_from(
        [
            "https://arxiv.org/abs/{id}{v}",
            "https://arxiv.org/pdf/{id}{v}.pdf",
            "http://export.arxiv.org/abs/{id}",
            "https://www.arxiv.org/html/{id}{v}/",
            "arXiv:{id}{v}",
            "{id}{v}",
            "  https://arxiv.org/abs/{id}  ",
        ]
    ),
    st.sampled_from(["1808", "1809", "1901", "2004", "2312"]),
    st.integers(0, 99999),
    st.sampled_from(["", "v1", "v2", "v12"]),
)
DOI_LINKS = st.builds(
    lambda form, registrant, suffix: form.format(doi=f"10.{registrant}/{suffix}"),
    st.sampled_from(["https://doi.org/{doi}", "https://dx.doi.org/{doi}", "doi:{doi}", "{doi}"]),
    st.integers(1000, 99999),
    st.text(string.ascii_letters + string.digits + "._-()/:;", min_size=1, max_size=60),
)
OPENREVIEW_LINKS = st.builds(
    "https://openreview.net/forum?id={}".format, st.from_regex(r"[A-Za-z0-9_-]{6,40}", fullmatch=True)
)
ACL_LINKS = st.one_of(
    st.builds(
        lambda letter, year, number: f"https://aclanthology.org/{letter}{year:02d}-{number:04d}/",
        st.sampled_from("CDNPW"),
        st.integers(0, 24),
        st.integers(1000, 9999),
    ),
    st.builds(
        lambda year, event, number: f"https://aclanthology.org/{year}.{event}.{number}.pdf",
        st.integers(2019, 2025),
        st.one_of(
            st.sampled_from(["acl-main", "emnlp-main", "findings-acl", "naacl-long"]),
            st.from_regex(r"[a-z0-9]{1,20}(?:-[a-z0-9]{1,20}){0,4}", fullmatch=True),
        ),
        st.integers(1, 999),
    ),
)
# A paper already recommended by the fuzzing recommender: the "already recommended" path.
ALREADY_RECOMMENDED = "https://arxiv.org/abs/1809.08370"
VALID_PAPER_LINKS = st.one_of(ARXIV_LINKS, DOI_LINKS, OPENREVIEW_LINKS, ACL_LINKS, st.just(ALREADY_RECOMMENDED))

GITHUB_NAMES = st.tuples(
    st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,15}[A-Za-z0-9])?", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._-]{1,30}", fullmatch=True),
)
VALID_CODE_LINKS = st.builds(
    lambda form, names: form.format(owner=names[0], name=names[1]),
    st.sampled_from(
        [
            "https://github.com/{owner}/{name}",
            "https://www.github.com/{owner}/{name}/",
            "http://github.com/{owner}/{name}.git",
            "github.com/{owner}/{name}",
            "git@github.com:{owner}/{name}.git",
            "https://github.com/{owner}/{name}/tree/main/src/models",
        ]
    ),
    GITHUB_NAMES,
)
VALID_DATASET_LINKS = st.sampled_from(
    [
        "",
        "https://huggingface.co/datasets/squad",
        "https://www.image-net.org/download.php",
        "http://data.example.org/corpus.tar.gz?version=2",
        "https://例え.jp/データ",
    ]
)

HOSTILE_URLS = st.sampled_from(
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "file://localhost/c:/windows/win.ini",
        "http://127.0.0.1:6379/",
        "http://127.0.0.1:6379/FLUSHALL",
        "http://localhost:5432/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::1",
        "http://0x7f000001/",
        "http://user:pass@github.com/a/b",
        "https://github.com@evil.example/a/b",
        "https://arxiv.org@evil.example/abs/1808.01244",
        "https://arxiv.org:8080/abs/1808.01244",
        "https://github.com.evil.example/a/b",
        "https://evil.example/github.com/a/b",
        "https://evil.example/?u=https://arxiv.org/abs/1808.01244",
        "https://github.com%00.evil.example/a/b",
        "https://github.com/a%00b/c",
        "https://arxiv.org/abs/1808.01244%00",
        "https://arxiv.org/abs/%2e%2e/%2e%2e/etc/passwd",
        "https://github.com/a/b/../../evil/x",
        "https://github.com/a/b/%2e%2e/%2e%2e/evil/x",
        "https://gіthub.com/a/b",  # Cyrillic і
        "https://аrxiv.org/abs/1808.01244",  # Cyrillic а
        "https://xn--gthub-n4a.com/a/b",
        "https://ａｒｘｉｖ.org/abs/1808.01244",  # fullwidth
        "https://arxiv.org/abs/1808.01244\u202e",
        "https://arxiv.org/abs/1808\u200b.01244",
        "\ufeffhttps://arxiv.org/abs/1808.01244",
        "https://github.com/login",
        "https://gist.github.com/a/0123456789abcdef",
        "https://github.com/a",
        "https://github.com/",
        "https://arxiv.org/abs/",
        "https://arxiv.org/abs/9999.99999",
        "https://openreview.net/forum?id=<script>",
        "https://doi.org/",
        "doi:10.1/x",
        "//github.com/a/b",
        "http:/\\github.com/a/b",
        "https://github.com/a/b\\..\\..\\evil",
        "ftp://arxiv.org/abs/1808.01244",
        "https://",
        "http://",
        ":",
        "-1",
    ]
)
LONG_URLS = st.builds(
    lambda base, piece, count: base + piece * count,
    st.sampled_from(
        [
            "https://github.com/a/b/tree/main/",
            "https://arxiv.org/abs/1808.01244/",
            "https://doi.org/10.1234/",
            "https://data.example.org/",
            "https://openreview.net/forum?id=",
        ]
    ),
    st.sampled_from(["x", "%2F", "a/", "論", "%00", "../"]),
    st.integers(50, 2000),
)
# Suffixes of characters that a doi.org link must escape: three characters for one.
ESCAPED_DOIS = st.builds(
    lambda form, character, count: form.format(f"10.1234/{character * count}"),
    st.sampled_from(["doi:{}", "https://doi.org/{}", "{}"]),
    st.sampled_from(list('<>"#%?^`{|}\\')),
    st.integers(120, 200),
)


@st.composite
def with_nasty_character(draw, strategy):
    """A value with one nasty character put somewhere inside it."""
    value = draw(strategy)
    where = draw(st.integers(0, len(value)))
    return value[:where] + draw(st.sampled_from(NASTY_CHARACTERS)) + value[where:]


NASTY_TEXT = st.lists(st.one_of(st.characters(), st.sampled_from(NASTY_CHARACTERS)), max_size=40).map("".join)
HUGE_TEXT = st.builds(
    lambda piece, size: (piece * (size // len(piece) + 1))[:size],
    st.sampled_from(["a", "é", "論文", "🧪", "\x00", "\u202e", "<script>", "https://github.com/a/b\n", "\r\n", "9"]),
    st.integers(1000, 100_000),
)

SENTENCES = [
    "This paper trains a model on unlabelled text with cross-view consistency.",
    "The **ablation** in section 4 is the part to read first.",
    "Code is at [GitHub](https://github.com/tensorflow/models) and it runs.",
    "- clear baselines\n- honest limitations",
    "本文提出了一种新的图神经网络方法，实验充分。",
    "この論文はとても読みやすい。",
    "🧪 Results replicate on three datasets.",
    "> A quote from the abstract.",
    "`loss = ce + λ·kl` is all it takes.",
    "مقاله‌ای خوب درباره‌ی یادگیری عمیق.",
]
VALID_WRITEUPS = st.one_of(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=12).map(" ".join).filter(lambda text: len(text) >= 40),
    st.integers(35, 45).map(lambda n: "w" * n),  # either side of the minimum
    st.integers(2995, 3005).map(lambda n: "w" * n),  # either side of the maximum
    # Markdown that makes a parser work hard: deep nesting, unclosed brackets, runs of markers.
    st.builds(
        lambda piece, size: (piece * size)[:size],
        st.sampled_from(["[", "![", "> ", "*", "_a", "<", "`", "| a ", "[a](", "&#"]),
        st.integers(40, 3000),
    ),
)
NASTY_WRITEUPS = st.one_of(
    with_nasty_character(VALID_WRITEUPS),
    st.builds(
        lambda text, nasty: nasty.join(text),
        st.sampled_from(SENTENCES[:3]),
        st.sampled_from(NASTY_CHARACTERS),
    ),
    st.builds(lambda text: "\x01" * 50 + text, st.sampled_from(SENTENCES)),
)
VALID_TOPICS = st.sampled_from(["Graph neural networks", "图神经网络", "Vision-Language Models", "RL (offline)", "Ab"])
VALID_CAPTIONS = st.sampled_from(["", "Figure 2: the model.", "图 1：模型结构", "Results 🧪"])


def paper_links():
    return st.one_of(
        VALID_PAPER_LINKS, HOSTILE_URLS, LONG_URLS, ESCAPED_DOIS, with_nasty_character(VALID_PAPER_LINKS), NASTY_TEXT
    )


def code_link_lines():
    return st.one_of(
        VALID_CODE_LINKS, HOSTILE_URLS, LONG_URLS, with_nasty_character(VALID_CODE_LINKS), VALID_PAPER_LINKS, NASTY_TEXT
    )


def dataset_links():
    return st.one_of(
        VALID_DATASET_LINKS, HOSTILE_URLS, LONG_URLS, with_nasty_character(VALID_DATASET_LINKS), NASTY_TEXT
    )


# --- Figures


def _png(size=(24, 16), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "teal" if mode == "RGB" else 128).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


PNG = _png()
FIGURE_BYTES = st.one_of(
    st.just(PNG),
    st.just(_png((3, 2), "L")),
    st.just(_jpeg()),
    st.integers(0, len(PNG) - 1).map(lambda cut: PNG[:cut]),  # truncated, down to empty
    st.binary(max_size=600),
    st.binary(max_size=200).map(lambda tail: b"\x89PNG\r\n\x1a\n" + tail),
    st.just(b"GIF89a" + bytes(30)),
    st.just(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
)
FIGURE_NAMES = st.sampled_from(
    ["figure.png", "model.JPG", "x", "../../etc/passwd.png", "圖.png", "a" * 300 + ".png", "fig\u202egnp.exe"]
)
VALID_FIGURES = st.builds(
    lambda data, name: SimpleUploadedFile(name, data, content_type="image/png"),
    st.sampled_from([PNG, _png((3, 2), "L"), _jpeg()]),
    st.sampled_from(["figure.png", "model.JPG", "圖.png"]),
)
FIGURES = st.builds(
    lambda data, name, content_type: SimpleUploadedFile(name, data, content_type=content_type),
    FIGURE_BYTES,
    FIGURE_NAMES,
    st.sampled_from(["image/png", "image/jpeg", "application/octet-stream", "text/html"]),
)

# --- Whole submissions


class Ids:
    """The rows the strategies refer to, made once per test."""

    def __init__(self):
        self.area = make_area("ML", name="Machine learning")
        self.approved = make_tag("Representation learning", area=self.area)
        self.proposed = make_tag("Spiking transformers", area=self.area)
        self.proposed.approved = False
        self.proposed.save(update_fields=["approved"])


def tag_values(ids):
    return st.one_of(
        st.just(str(ids.approved.pk)),
        st.sampled_from(["", "new", "-1", "0", "abc", "1e3", "٣", " 1", "None", "[]"]),
        st.just(str(ids.proposed.pk)),
        st.integers(-(2**70), 2**70).map(str),
        st.just(f"{ids.approved.pk}\x00"),
        NASTY_TEXT,
    )


def area_values(ids):
    return st.one_of(
        st.just(str(ids.area.pk)),
        st.sampled_from(["", "0", "-1", "abc", "1.0", "٣"]),
        st.integers(-(2**70), 2**70).map(str),
        NASTY_TEXT,
    )


TEXT_FIELDS = ["paper_link", "code_links", "dataset_link", "tag", "proposed_topic", "proposed_area", "writeup"]


def valid_fields(ids):
    return {
        "paper_link": VALID_PAPER_LINKS,
        "code_links": st.lists(VALID_CODE_LINKS, max_size=3).map("\n".join),
        "dataset_link": VALID_DATASET_LINKS,
        "tag": st.one_of(st.just(str(ids.approved.pk)), st.just("new")),
        "proposed_topic": VALID_TOPICS,
        "proposed_area": st.just(str(ids.area.pk)),
        "writeup": VALID_WRITEUPS,
        "figure_caption": VALID_CAPTIONS,
        "website": st.just(""),
    }


def hostile_fields(ids):
    return {
        "paper_link": paper_links(),
        "code_links": st.lists(code_link_lines(), max_size=8).map(lambda lines: "\n".join(lines)),
        "dataset_link": dataset_links(),
        "tag": tag_values(ids),
        "proposed_topic": st.one_of(VALID_TOPICS, NASTY_TEXT, with_nasty_character(VALID_TOPICS)),
        "proposed_area": area_values(ids),
        "writeup": st.one_of(VALID_WRITEUPS, NASTY_WRITEUPS, NASTY_TEXT),
        "figure_caption": st.one_of(VALID_CAPTIONS, NASTY_TEXT, st.integers(295, 305).map(lambda n: "c" * n)),
        "website": st.one_of(st.just(""), st.just(""), NASTY_TEXT),
    }


def targets(draw, hostile, names):
    """The fields a hostile example spoils: one to three, the others valid, so that a hostile
    value is not always refused for another field's sake before it is used."""
    if not hostile:
        return set()
    return draw(st.sets(st.sampled_from(names), min_size=1, max_size=3))


@st.composite
def form_posts(draw, ids):
    """The body of one POST: a dict of key -> value, or key -> list of values for a repeated key."""
    hostile = draw(st.integers(0, 9)) >= 4
    valid, bad = valid_fields(ids), hostile_fields(ids)
    spoiled = targets(draw, hostile, [*valid, "figure"])
    data = {}
    for name in valid:
        if name not in spoiled:
            data[name] = draw(valid[name])
            continue
        how = draw(st.sampled_from(["hostile", "hostile", "huge", "omitted", "repeated"]))
        if how == "huge" and name in TEXT_FIELDS:
            data[name] = draw(HUGE_TEXT)
        elif how == "repeated":
            data[name] = draw(st.lists(st.one_of(valid[name], bad[name]), min_size=2, max_size=4))
        elif how != "omitted":
            data[name] = draw(bad[name])
    if "figure" in spoiled:
        data["figure"] = draw(st.one_of(FIGURES, st.lists(FIGURES, min_size=2, max_size=3)))
    elif draw(st.integers(0, 3)) == 0:
        data["figure"] = draw(VALID_FIGURES)
    return data


@st.composite
def service_calls(draw, ids):
    """Keyword arguments for ``recommendation_submit``; a spoiled optional one may be left out."""
    hostile = draw(st.integers(0, 9)) >= 4
    valid, bad = valid_fields(ids), hostile_fields(ids)
    choices = {
        "paper_link": (valid["paper_link"], st.one_of(bad["paper_link"], HUGE_TEXT)),
        "writeup": (valid["writeup"], st.one_of(bad["writeup"], HUGE_TEXT)),
        "tag": (st.sampled_from([ids.approved, None]), st.sampled_from([ids.approved, None, ids.proposed])),
        "proposed_topic": (valid["proposed_topic"], bad["proposed_topic"]),
        "proposed_area": (st.just(ids.area), st.sampled_from([ids.area, None])),
        "code_links": (st.lists(VALID_CODE_LINKS, max_size=3), st.lists(code_link_lines(), max_size=7)),
        "dataset_link": (valid["dataset_link"], st.one_of(bad["dataset_link"], HUGE_TEXT)),
        "figure": (st.one_of(st.none(), VALID_FIGURES), FIGURES),
        "figure_caption": (valid["figure_caption"], bad["figure_caption"]),
    }
    spoiled = targets(draw, hostile, list(choices))
    arguments = {}
    for name, (valid_strategy, hostile_strategy) in choices.items():
        if name not in spoiled:
            arguments[name] = draw(valid_strategy)
        elif name in ("paper_link", "writeup") or draw(st.integers(0, 3)) > 0:
            arguments[name] = draw(hostile_strategy)
    return arguments


# --- Checking what one example left behind


def snapshot():
    return {
        "recommendations": set(Recommendation.objects.values_list("pk", flat=True)),
        "figures": set(Figure.objects.values_list("pk", flat=True)),
        "tags": set(Tag.objects.values_list("pk", flat=True)),
        "papers": set(Paper.objects.values_list("pk", flat=True)),
        "repositories": set(Repository.objects.values_list("pk", flat=True)),
    }


def changes(before):
    after = snapshot()
    for kind in before:
        assert before[kind] <= after[kind], f"{kind} deleted: {before[kind] - after[kind]}"
    return {kind: after[kind] - before[kind] for kind in before}


def assert_nothing_saved(new):
    assert new == {kind: set() for kind in new}, f"half saved: {new}"


def assert_one_clean_recommendation(new, recommender):
    """Exactly one new recommendation, and everything else new belongs to it."""
    assert len(new["recommendations"]) == 1, new
    rec = Recommendation.objects.select_related("paper", "tag").get(pk=next(iter(new["recommendations"])))
    assert rec.recommender_id == recommender.pk
    controls = {ch for ch in rec.writeup if unicodedata.category(ch) == "Cc" and ch not in "\t\n"}
    assert not controls, f"control characters kept in the write-up: {controls!r}"
    assert "\x00" not in rec.writeup_html
    assert rec.writeup == rec.writeup.strip() and 40 <= len(rec.writeup) <= 3000
    assert Paper.objects.filter(pk=rec.paper_id).exists()
    assert new["papers"] <= {rec.paper_id}
    assert new["repositories"] <= set(rec.repositories.values_list("pk", flat=True))
    assert new["tags"] <= {rec.tag_id}
    if new["tags"]:
        assert not rec.tag.approved
    figures = list(rec.figures.all())
    assert {figure.pk for figure in figures} == new["figures"] and len(figures) <= 1
    for figure in figures:
        assert figure.image.name and default_storage.exists(figure.image.name)
        assert figure.thumbnail.name and default_storage.exists(figure.thumbnail.name)
    return rec


@pytest.fixture
def fuzzing(client, django_user_model, settings, tmp_path):
    """A signed-in recommender with limits out of the way, who has already recommended one paper."""
    settings.PAPERDAILY_RATE_RECOMMEND_USER = settings.PAPERDAILY_RATE_RECOMMEND_IP = "100000/h"
    settings.PAPERDAILY_MAX_PENDING_RECOMMENDATIONS = 100000
    settings.MEDIA_ROOT = tmp_path
    recommender = login_recommender(client, django_user_model, "fuzzer")
    ids = Ids()
    make_recommendation(
        recommender=recommender,
        paper=make_paper(arxiv_id="1809.08370"),
        tag=ids.approved,
        status=Recommendation.Status.SUBMITTED,
    )
    return recommender, ids


def in_savepoint(check):
    """Run ``check`` and undo its writes, so that every example starts from the same rows."""
    savepoint = transaction.savepoint()
    try:
        return check()
    finally:
        transaction.savepoint_rollback(savepoint)


def test_it_answers_every_generated_post_without_saving_half(client, fuzzing):
    recommender, ids = fuzzing
    statuses = Counter()

    @hypothesis_settings(max_examples=WEB_EXAMPLES, **FUZZ)
    @given(data=form_posts(ids))
    def post(data):
        def check():
            before = snapshot()
            response = client.post(URL, data)
            new = changes(before)
            assert response.status_code in (200, 302, 429), response.status_code
            if response.status_code == 302:
                rec = assert_one_clean_recommendation(new, recommender)
                assert response["Location"] == f"/recommend/{rec.pk}/thanks/"
            else:
                assert_nothing_saved(new)
            if response.status_code == 200:
                assert b'class="form__summary"' in response.content
            return response.status_code

        statuses[in_savepoint(check)] += 1
        EXAMPLES["web"] += 1

    post()
    print(f"\n/recommend/ fuzz: {sum(statuses.values())} POSTs, by status {dict(statuses)}")
    assert sum(statuses.values()) >= WEB_EXAMPLES
    # Both outcomes were exercised in earnest, or the invariants above checked little.
    assert statuses[302] >= 100 and statuses[200] >= 100, statuses


def test_the_service_returns_or_refuses_and_never_half_saves(fuzzing):
    recommender, ids = fuzzing
    outcomes = Counter()

    @hypothesis_settings(max_examples=SERVICE_EXAMPLES, **FUZZ)
    @given(arguments=service_calls(ids))
    def call(arguments):
        def check():
            before = snapshot()
            try:
                submitted = recommendation_submit(recommender=recommender, **arguments)
            except ValidationError:
                assert_nothing_saved(changes(before))
                return "refused"
            assert isinstance(submitted, Submitted)
            rec = assert_one_clean_recommendation(changes(before), recommender)
            assert submitted.recommendation.pk == rec.pk
            return "saved"

        outcomes[in_savepoint(check)] += 1
        EXAMPLES["service"] += 1

    call()
    print(f"\nrecommendation_submit fuzz: {sum(outcomes.values())} calls, {dict(outcomes)}")
    assert sum(outcomes.values()) >= SERVICE_EXAMPLES
    assert outcomes["saved"] >= 30 and outcomes["refused"] >= 30, outcomes


# Found by the fuzz tests above: links that parsed, but whose identifier or doi.org link was
# longer than its Paper column (a 500 with DataError at the INSERT); the parser now refuses them.
OVERFLOWING_LINKS = {
    # A DOI of at most 200 characters, each escaped in three in its doi.org link: Paper.abstract_url holds 500.
    "doi-link-past-abstract-url": "doi:10.1234/" + "<" * 180,
    "bare-doi-link-past-abstract-url": "10.1234/" + "^" * 190,
    # New-style ACL Anthology ids are read at any length: Paper.acl_id holds 40.
    "acl-id-past-acl-id": "https://aclanthology.org/2020.findings-emnlp-industry-track-long.123/",
}


@pytest.mark.parametrize("link", OVERFLOWING_LINKS.values(), ids=OVERFLOWING_LINKS.keys())
def test_it_answers_a_link_whose_identifier_outgrows_its_column(client, fuzzing, link):
    recommender, ids = fuzzing
    before = snapshot()

    response = client.post(URL, {"paper_link": link, "tag": str(ids.approved.pk), "writeup": "w" * 60})

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert_one_clean_recommendation(changes(before), recommender)
    else:
        assert_nothing_saved(changes(before))


def test_it_ran_the_examples_it_promised():
    """Reports the counts; checks them when the fuzz tests above ran in this session."""
    print(f"\nfuzz examples run: {dict(EXAMPLES)}")
    if not EXAMPLES:
        pytest.skip("the fuzz tests did not run in this session")
    assert EXAMPLES["web"] >= WEB_EXAMPLES
    assert EXAMPLES["service"] >= SERVICE_EXAMPLES
    assert EXAMPLES["web"] + EXAMPLES["service"] >= 1300
