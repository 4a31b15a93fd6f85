"""Code links on GitLab, Gitee, Bitbucket, Codeberg and Hugging Face: canonical refs, or a refusal that says why."""

import pytest

from papers.identifiers import LinkError, RepoRef, code_field_takes, parse_link, parse_paper_link, parse_repo_link

GITLAB = "gitlab.com"
HF = "huggingface.co"


@pytest.mark.parametrize(
    ("text", "ref", "url"),
    [
        (
            "https://gitlab.com/libeigen/eigen",
            RepoRef("libeigen", "eigen", "", GITLAB),
            "https://gitlab.com/libeigen/eigen",
        ),
        (
            "gitlab.com/libeigen/eigen.git",
            RepoRef("libeigen", "eigen", "", GITLAB),
            "https://gitlab.com/libeigen/eigen",
        ),
        ("https://www.gitlab.com/libeigen/eigen/", RepoRef("libeigen", "eigen", "", GITLAB), None),
        ("https://gitlab.com/libeigen/eigen/-/", RepoRef("libeigen", "eigen", "", GITLAB), None),
        (
            "https://gitlab.com/libeigen/eigen/-/tree/master/Eigen/src",
            RepoRef("libeigen", "eigen", "-/tree/master/Eigen/src", GITLAB),
            None,
        ),
        (
            "https://gitlab.com/vision-lab/research/models/-/blob/main/train.py",
            RepoRef("vision-lab/research", "models", "-/blob/main/train.py", GITLAB),
            "https://gitlab.com/vision-lab/research/models",
        ),
        ("https://gitlab.com/a/b/c/d/e", RepoRef("a/b/c/d", "e", "", GITLAB), "https://gitlab.com/a/b/c/d/e"),
        # Older links without "/-/": read as the project, the path given the separator it has today.
        ("https://gitlab.com/libeigen/eigen/tree/master", RepoRef("libeigen", "eigen", "-/tree/master", GITLAB), None),
        ("https://gitee.com/mindspore/mindspore", RepoRef("mindspore", "mindspore", "", "gitee.com"), None),
        (
            "https://gitee.com/mindspore/mindspore/tree/master/model_zoo",
            RepoRef("mindspore", "mindspore", "tree/master/model_zoo", "gitee.com"),
            "https://gitee.com/mindspore/mindspore",
        ),
        (
            "https://bitbucket.org/ws/repo.git",
            RepoRef("ws", "repo", "", "bitbucket.org"),
            "https://bitbucket.org/ws/repo",
        ),
        ("https://bitbucket.org/ws/repo/src/main/", RepoRef("ws", "repo", "src/main", "bitbucket.org"), None),
        ("https://codeberg.org/forgejo/forgejo", RepoRef("forgejo", "forgejo", "", "codeberg.org"), None),
        (
            "http://www.codeberg.org/forgejo/forgejo/src/branch/forgejo",
            RepoRef("forgejo", "forgejo", "src/branch/forgejo", "codeberg.org"),
            "https://codeberg.org/forgejo/forgejo",
        ),
        (
            "https://huggingface.co/google-bert/bert-base-uncased",
            RepoRef("google-bert", "bert-base-uncased", "", HF, "model"),
            "https://huggingface.co/google-bert/bert-base-uncased",
        ),
        (
            "https://huggingface.co/google-bert/bert-base-uncased/tree/main",
            RepoRef("google-bert", "bert-base-uncased", "tree/main", HF, "model"),
            None,
        ),
        (
            "huggingface.co/datasets/rajpurkar/squad",
            RepoRef("rajpurkar", "squad", "", HF, "dataset"),
            "https://huggingface.co/datasets/rajpurkar/squad",
        ),
        (
            "https://hf.co/spaces/gradio/hello_world",
            RepoRef("gradio", "hello_world", "", HF, "space"),
            "https://huggingface.co/spaces/gradio/hello_world",
        ),
        (
            "https://www.huggingface.co/spaces/gradio/hello_world/blob/main/run.py",
            RepoRef("gradio", "hello_world", "blob/main/run.py", HF, "space"),
            None,
        ),
    ],
)
def test_it_reads_code_links_on_each_host(text, ref, url):
    assert parse_repo_link(text) == ref
    assert parse_link(text) == ref
    if url:
        assert ref.url == url


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://gitlab.com/explore/projects", "This GitLab page is not a repository"),
        ("https://gitlab.com/groups/libeigen", "This GitLab page is not a repository"),
        ("https://gitlab.com/libeigen", "This links to a GitLab account"),
        ("https://gitlab.com/", "This GitLab page is not a repository"),
        ("https://gitlab.com/a/-/issues", "This GitLab page is not a repository"),
        ("https://gitlab.com/" + "/".join("g" for _ in range(30)), "This GitLab page is not a repository"),
        ("https://gitlab.com/" + "g" * 101 + "/x", "This GitLab link names no repository we can read"),
        ("https://gitlab.com/a/b/-/tree/../../../evil", "This GitLab link names no repository we can read"),
        ("https://gitee.com/explore", "This Gitee page is not a repository"),
        ("https://gitee.com/mindspore", "This links to a Gitee account"),
        ("https://bitbucket.org/dashboard/overview", "This Bitbucket page is not a repository"),
        ("https://bitbucket.org/ws/-bad", "This Bitbucket link names no repository we can read"),
        ("https://codeberg.org/explore/repos", "This Codeberg page is not a repository"),
        ("https://codeberg.org/forgejo", "This links to a Codeberg account"),
        ("https://huggingface.co/models", "This Hugging Face page is not a model, dataset or Space"),
        ("https://huggingface.co/datasets", "This Hugging Face page is not a model, dataset or Space"),
        ("https://huggingface.co/spaces/gradio", "This Hugging Face page is not a model, dataset or Space"),
        ("https://huggingface.co/papers/1810.04805", "This Hugging Face page is not a model, dataset or Space"),
        ("https://huggingface.co/google-bert", "This Hugging Face page is not a model, dataset or Space"),
        ("https://huggingface.co/a/b--c", "This Hugging Face page is not a model, dataset or Space"),
        ("https://huggingface.co/a/-b", "This Hugging Face page is not a model, dataset or Space"),
    ],
)
def test_it_refuses_pages_that_are_not_repositories_with_an_example(text, message):
    with pytest.raises(LinkError, match=message) as raised:
        parse_repo_link(text)

    assert "https://" in str(raised.value)  # each refusal shows a link that would do


@pytest.mark.parametrize(
    "text",
    ["https://gitlab.com/libeigen/eigen", "https://huggingface.co/datasets/rajpurkar/squad", "https://gitee.com/a/b"],
)
def test_it_sends_other_hosts_code_links_to_the_code_field(text):
    with pytest.raises(LinkError, match="This is a code link: put it in the code field"):
        parse_paper_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://gitlab.example.com/libeigen/eigen",
        "https://huggingface.co.evil.example/a/b",
        "https://gitlab.com:8443/a/b",
        "https://user@bitbucket.org/ws/repo",
        "https://sourceforge.net/projects/x",
    ],
)
def test_it_names_the_code_hosts_for_a_link_it_cannot_read(text):
    with pytest.raises(LinkError) as raised:
        parse_repo_link(text)

    assert str(raised.value) == f"We cannot read this link. {code_field_takes()}"
    for host in ("GitHub", "GitLab", "Gitee", "Bitbucket", "Codeberg", "Hugging Face"):
        assert host in str(raised.value)


def test_it_gives_one_key_whatever_the_case_or_spelling():
    refs = [
        parse_repo_link("https://gitlab.com/LibEigen/Eigen"),
        parse_repo_link("gitlab.com/libeigen/eigen.git"),
        parse_repo_link("https://gitlab.com/libeigen/eigen/-/tree/master"),
    ]
    assert len({ref.key for ref in refs}) == 1
    assert parse_repo_link("https://huggingface.co/openai/gsm8k").key != (
        parse_repo_link("https://huggingface.co/datasets/openai/gsm8k").key
    )
