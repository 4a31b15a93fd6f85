"""Link parsing: every form people paste, every spelling of one paper, and everything hostile."""

import dataclasses
import json
import random
import socket

import pytest

from papers.identifiers import (
    MAX_LINK_LENGTH,
    LinkError,
    PaperRef,
    RepoRef,
    code_field_takes,
    normalise_arxiv_id,
    paper_field_takes,
    parse_link,
    parse_paper_link,
    parse_repo_link,
)
from recommendations.demo.loader import DEMO_PATH

# Issue 17: the generic refusal names every paper source and code host (it used to offer GitHub alone).
GENERIC = (
    "We cannot read this link; paste a paper's arXiv, DOI, OpenReview or ACL Anthology link, or a code "
    "link on GitHub, GitLab, Gitee, Bitbucket, Codeberg or Hugging Face."
)


def arxiv(value, version=None):
    return PaperRef("arxiv", value, version)


def doi(value):
    return PaperRef("doi", value)


def openreview(value):
    return PaperRef("openreview", value)


def acl(value):
    return PaperRef("acl", value)


CORNERNET = RepoRef("princeton-vl", "CornerNet")
CVT_TEXT = RepoRef("tensorflow", "models", "tree/master/research/cvt_text")

ARXIV_FORMS = [
    ("https://arxiv.org/abs/1808.01244", arxiv("1808.01244")),
    ("https://arxiv.org/abs/1808.01244v2", arxiv("1808.01244", 2)),
    ("https://arxiv.org/abs/1808.01244/", arxiv("1808.01244")),
    ("https://arxiv.org/abs/1808.01244?context=cs", arxiv("1808.01244")),
    ("https://arxiv.org/abs/1808.01244v2#comments", arxiv("1808.01244", 2)),
    ("https://arxiv.org/pdf/1808.01244v2.pdf", arxiv("1808.01244", 2)),
    ("https://arxiv.org/pdf/1808.01244v2", arxiv("1808.01244", 2)),
    ("https://arxiv.org/pdf/1808.01244", arxiv("1808.01244")),
    ("https://arxiv.org/pdf/1808.01244.pdf", arxiv("1808.01244")),
    ("https://arxiv.org/pdf/1808.01244v2.PDF", arxiv("1808.01244", 2)),
    ("https://arxiv.org/html/1808.01244v2", arxiv("1808.01244", 2)),
    ("arxiv.org/html/1808.01244v2", arxiv("1808.01244", 2)),
    ("https://arxiv.org/html/1808.01244v2/#S3", arxiv("1808.01244", 2)),
    ("https://arxiv.org/html/1808.01244v2/index.html#S3.SS1", arxiv("1808.01244", 2)),
    ("https://arxiv.org/html/1808.01244", arxiv("1808.01244")),
    ("http://export.arxiv.org/abs/1808.01244", arxiv("1808.01244")),
    ("https://www.arxiv.org/abs/1808.01244", arxiv("1808.01244")),
    ("http://arxiv.org/abs/1808.01244", arxiv("1808.01244")),
    ("arxiv.org/abs/1808.01244", arxiv("1808.01244")),
    ("www.arxiv.org/pdf/1808.01244v1", arxiv("1808.01244", 1)),
    ("//arxiv.org/abs/1808.01244", arxiv("1808.01244")),
    ("HTTPS://ARXIV.ORG/abs/1808.01244", arxiv("1808.01244")),
    ("https://arxiv.org/ABS/1808.01244", arxiv("1808.01244")),
    ("  https://arxiv.org/abs/1808.01244\n", arxiv("1808.01244")),
    ("\u00a0https://arxiv.org/abs/1808.01244\u3000", arxiv("1808.01244")),
    ("arXiv:1808.01244", arxiv("1808.01244")),
    ("ARXIV:1808.01244", arxiv("1808.01244")),
    ("arxiv:1808.01244v3", arxiv("1808.01244", 3)),
    ("arXiv: 1808.01244", arxiv("1808.01244")),
    ("arXiv 1808.01244", arxiv("1808.01244")),
    ("1808.01244", arxiv("1808.01244")),
    ("1808.01244v2", arxiv("1808.01244", 2)),
    ("1808.01244V2", arxiv("1808.01244", 2)),
    ("2401.12345v3", arxiv("2401.12345", 3)),
    ("0704.0001", arxiv("0704.0001")),
    ("1412.9999", arxiv("1412.9999")),
    ("1501.00001", arxiv("1501.00001")),
    ("1706.03762v7", arxiv("1706.03762", 7)),
    ("1808.01244v123", arxiv("1808.01244", 123)),
    # Old-style ids: the archive in lower case, the subject class dropped as arXiv itself does.
    ("hep-th/9901001", arxiv("hep-th/9901001")),
    ("HEP-TH/9901001", arxiv("hep-th/9901001")),
    ("hep-th/9901001v2", arxiv("hep-th/9901001", 2)),
    ("math.GT/0309136", arxiv("math/0309136")),
    ("math.gt/0309136v1", arxiv("math/0309136", 1)),
    ("cond-mat.str-el/0101001", arxiv("cond-mat/0101001")),
    ("cs.CL/0101001", arxiv("cs/0101001")),
    ("cmp-lg/9404001", arxiv("cmp-lg/9404001")),
    ("hep-th/9107001", arxiv("hep-th/9107001")),
    ("astro-ph/0703001", arxiv("astro-ph/0703001")),
    ("arXiv:hep-th/9901001", arxiv("hep-th/9901001")),
    ("https://arxiv.org/abs/hep-th/9901001v1", arxiv("hep-th/9901001", 1)),
    ("https://arxiv.org/abs/hep-th/9901001/", arxiv("hep-th/9901001")),
    ("arxiv.org/pdf/hep-th/9901001", arxiv("hep-th/9901001")),
    ("https://arxiv.org/pdf/hep-th/9901001v2.pdf", arxiv("hep-th/9901001", 2)),
    ("https://arxiv.org/abs/math.GT/0309136", arxiv("math/0309136")),
    # arXiv's DataCite DOIs name arXiv papers: the arXiv id is the key we keep.
    ("10.48550/arXiv.1808.01244", arxiv("1808.01244")),
    ("https://doi.org/10.48550/arXiv.1808.01244", arxiv("1808.01244")),
    ("doi:10.48550/ARXIV.1808.01244", arxiv("1808.01244")),
    ("https://doi.org/10.48550/arxiv.2401.12345", arxiv("2401.12345")),
    ("https://doi.org/10.48550/arXiv.hep-th/9901001", arxiv("hep-th/9901001")),
]

DOI_FORMS = [
    ("https://doi.org/10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("http://dx.doi.org/10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("doi.org/10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("https://www.doi.org/10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("https://DOI.ORG/10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("doi:10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("DOI: 10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("DOI 10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("10.18653/v1/D18-1217", doi("10.18653/v1/d18-1217")),
    ("10.1145/3209978.3209998", doi("10.1145/3209978.3209998")),
    ("10.1145%2F3209978.3209998", doi("10.1145/3209978.3209998")),
    ("10.1145%2f3209978.3209998", doi("10.1145/3209978.3209998")),
    ("https://doi.org/10.1000%2F182", doi("10.1000/182")),
    ("https://doi.org/10.1145/3209978.3209998?via=ihub", doi("10.1145/3209978.3209998")),
    ("10.1609/aaai.v33i01.33016399", doi("10.1609/aaai.v33i01.33016399")),
    ("10.1000.10/123", doi("10.1000.10/123")),
    # What a sentence leaves after a DOI goes; brackets the DOI itself opened stay.
    ("10.1000/182.", doi("10.1000/182")),
    ("10.1000/182,", doi("10.1000/182")),
    ("10.1000/182;", doi("10.1000/182")),
    ("10.1000/182)", doi("10.1000/182")),
    ("10.1000/182).", doi("10.1000/182")),
    ("doi:10.1000/182.", doi("10.1000/182")),
    ("https://doi.org/10.1000/182).", doi("10.1000/182")),
    ("10.1016/S0140-6736(20)30183-5", doi("10.1016/s0140-6736(20)30183-5")),
    ("10.1016/0001-8708(89)90033-6)", doi("10.1016/0001-8708(89)90033-6")),
    (
        "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI3>3.0.CO;2-0",
        doi("10.1002/(sici)1097-4571(199806)49:8<693::aid-asi3>3.0.co;2-0"),
    ),
]

OPENREVIEW_FORMS = [
    ("https://openreview.net/forum?id=r1lrAiA5Ym", openreview("r1lrAiA5Ym")),
    ("https://openreview.net/pdf?id=r1lrAiA5Ym", openreview("r1lrAiA5Ym")),
    ("https://openreview.net/forum?id=r1lrAiA5Ym&noteId=HJlJ9Yr9AX", openreview("r1lrAiA5Ym")),
    ("https://openreview.net/forum?noteId=HJlJ9Yr9AX&id=r1lrAiA5Ym", openreview("r1lrAiA5Ym")),
    ("openreview.net/forum?id=r1lrAiA5Ym#discussion", openreview("r1lrAiA5Ym")),
    ("https://www.openreview.net/forum/?id=r1lrAiA5Ym", openreview("r1lrAiA5Ym")),
    ("http://openreview.net/forum?id=B1-Hhnslg", openreview("B1-Hhnslg")),
    ("https://openreview.net/forum?id=ry_WPG-A-", openreview("ry_WPG-A-")),
]

ACL_FORMS = [
    ("https://aclanthology.org/C18-1183", acl("C18-1183")),
    ("https://aclanthology.org/C18-1183/", acl("C18-1183")),
    ("https://aclanthology.org/C18-1183.pdf", acl("C18-1183")),
    ("aclanthology.org/c18-1183", acl("C18-1183")),
    ("https://www.aclanthology.org/C18-1183", acl("C18-1183")),
    ("https://aclanthology.org/2020.acl-main.447", acl("2020.acl-main.447")),
    ("https://aclanthology.org/2020.acl-main.447.pdf", acl("2020.acl-main.447")),
    ("https://aclanthology.org/2020.acl-main.447/", acl("2020.acl-main.447")),
    ("https://aclanthology.org/2020.ACL-main.447/", acl("2020.acl-main.447")),
    ("https://aclanthology.org/2021.findings-emnlp.12/", acl("2021.findings-emnlp.12")),
    ("https://www.aclweb.org/anthology/C18-1183", acl("C18-1183")),
    ("aclweb.org/anthology/C18-1183.pdf", acl("C18-1183")),
    ("https://www.aclweb.org/anthology/C18-1183/", acl("C18-1183")),
    ("http://aclweb.org/anthology/C/C18/C18-1183.pdf", acl("C18-1183")),
    ("https://www.aclweb.org/anthology/2020.acl-main.447.pdf", acl("2020.acl-main.447")),
]

PAPER_FORMS = ARXIV_FORMS + DOI_FORMS + OPENREVIEW_FORMS + ACL_FORMS

REPO_FORMS = [
    ("https://github.com/princeton-vl/CornerNet", CORNERNET),
    ("https://github.com/princeton-vl/CornerNet/", CORNERNET),
    ("github.com/princeton-vl/CornerNet", CORNERNET),
    ("github.com/princeton-vl/CornerNet.git", CORNERNET),
    ("https://github.com/princeton-vl/CornerNet.git", CORNERNET),
    ("https://github.com/princeton-vl/CornerNet.GIT/", CORNERNET),
    ("git@github.com:princeton-vl/CornerNet.git", CORNERNET),
    ("git@github.com:princeton-vl/CornerNet", CORNERNET),
    ("https://www.github.com/princeton-vl/CornerNet", CORNERNET),
    ("http://github.com/princeton-vl/CornerNet", CORNERNET),
    ("HTTPS://GITHUB.COM/princeton-vl/CornerNet", CORNERNET),
    ("https://github.com/princeton-vl/CornerNet?tab=readme-ov-file", CORNERNET),
    ("https://github.com/princeton-vl/CornerNet#readme", CORNERNET),
    ("https://github.com//princeton-vl//CornerNet", CORNERNET),
    (" https://github.com/princeton-vl/CornerNet\r\n", CORNERNET),
    ("https://github.com/tensorflow/models/tree/master/research/cvt_text", CVT_TEXT),
    ("https://github.com/tensorflow/models/tree/master/research/cvt_text/", CVT_TEXT),
    ("https://github.com/tensorflow/models/tree/master/research/cvt_text?plain=1", CVT_TEXT),
    ("github.com/tensorflow/models/tree/master/research/cvt_text#usage", CVT_TEXT),
    (
        "https://github.com/google/tf_mesh_renderer/blob/master/README.md#L10-L20",
        RepoRef("google", "tf_mesh_renderer", "blob/master/README.md"),
    ),
    ("https://github.com/sjy1203/GAMENet", RepoRef("sjy1203", "GAMENet")),
    ("https://github.com/felix-laumann/Bayesian_CNN", RepoRef("felix-laumann", "Bayesian_CNN")),
    ("https://github.com/lixin4ever/E2E-TBSA", RepoRef("lixin4ever", "E2E-TBSA")),
    ("https://github.com/octo-org/.github", RepoRef("octo-org", ".github")),
    ("https://github.com/vuejs/vue.js", RepoRef("vuejs", "vue.js")),
    ("https://github.com/x/y", RepoRef("x", "y")),
    ("https://github.com/" + "a" * 39 + "/" + "b" * 100, RepoRef("a" * 39, "b" * 100)),
    # A path is kept as typed, with what is not allowed in a URL %-encoded.
    ("https://github.com/o/r/tree/main/docs/%C3%A9", RepoRef("o", "r", "tree/main/docs/%C3%A9")),
    ("https://github.com/o/r/tree/main/docs/é", RepoRef("o", "r", "tree/main/docs/%C3%A9")),
    ("https://github.com/o/r/tree/v1.0/a.b/c_d", RepoRef("o", "r", "tree/v1.0/a.b/c_d")),
    ("https://github.com/o/r/tree/main/100%", RepoRef("o", "r", "tree/main/100%25")),
]

# Several spellings of one paper each, as different people paste it.
SPELLINGS = [
    [
        "https://arxiv.org/abs/1808.01244",
        "https://arxiv.org/pdf/1808.01244v2.pdf",
        "arxiv.org/html/1808.01244v1/#S2",
        "http://export.arxiv.org/abs/1808.01244",
        "arXiv:1808.01244",
        "1808.01244v3",
        "https://doi.org/10.48550/arXiv.1808.01244",
    ],
    [
        "hep-th/9901001",
        "arXiv:HEP-TH/9901001v1",
        "https://arxiv.org/abs/hep-th/9901001v2",
        "arxiv.org/pdf/hep-th/9901001",
    ],
    ["math/0309136", "math.GT/0309136", "https://arxiv.org/abs/math.GT/0309136v1"],
    [
        "https://doi.org/10.18653/v1/D18-1217",
        "http://dx.doi.org/10.18653/v1/d18-1217",
        "doi:10.18653/V1/D18-1217",
        "10.18653%2Fv1%2FD18-1217",
        "10.18653/v1/D18-1217.",
    ],
    [
        "https://openreview.net/forum?id=r1lrAiA5Ym",
        "https://openreview.net/pdf?id=r1lrAiA5Ym",
        "openreview.net/forum?id=r1lrAiA5Ym&noteId=HJlJ9Yr9AX",
    ],
    [
        "https://aclanthology.org/C18-1183/",
        "https://aclanthology.org/C18-1183.pdf",
        "aclweb.org/anthology/C18-1183",
        "http://aclweb.org/anthology/C/C18/C18-1183.pdf",
    ],
]

# Not a link to anything we read, or an attempt to make us read something else.
HOSTILE = [
    "hello world",
    "paper",
    "Attention Is All You Need",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "file://arxiv.org/abs/1808.01244",
    "ftp://arxiv.org/abs/1808.01244",
    "mailto:editor@example.com",
    "ssh://git@github.com/o/r.git",
    "hxxps://arxiv.org/abs/1808.01244",
    "http://127.0.0.1/abs/1808.01244",
    "http://169.254.169.254/latest/meta-data",
    "http://localhost/abs/1808.01244",
    "localhost:8000/abs/1808.01244",
    "http://0x7f000001/abs/1808.01244",
    "http://[::1]/abs/1808.01244",
    "https://[::1/abs/1808.01244",
    "https://evil.example/arxiv.org/abs/1808.01244",
    "https://evil.example/?next=https://arxiv.org/abs/1808.01244",
    "https://arxiv.org.evil.example/abs/1808.01244",
    "https://evilarxiv.org/abs/1808.01244",
    "https://user:pass@arxiv.org/abs/1808.01244",
    "https://user@github.com/o/r",
    "https://arxiv.org@evil.example/abs/1808.01244",
    "https://arxiv.org\\@evil.example/abs/1808.01244",
    "https://arxiv.org\\abs\\1808.01244",
    "https://arxiv.org:8080/abs/1808.01244",
    "https://arxiv.org:443/abs/1808.01244",
    "https://arxiv.org:/abs/1808.01244",
    "arxiv.org:8080/abs/1808.01244",
    "https://github.com:22/o/r",
    "https://arxiv.org./abs/1808.01244",
    "https://\u0430rxiv.org/abs/1808.01244",  # Cyrillic "а"
    "https://\uff41rxiv.org/abs/1808.01244",  # full-width "ａ"
    "https://arxiv.org\uff0fabs/1808.01244",  # full-width "／", changes under NFKC
    "https://xn--rxiv-5cd.org/abs/1808.01244",
    "https://xn--github-3ya.com/o/r",
    "https://g\u0456thub.com/o/r",  # Ukrainian "і"
    "https://github.io/o/r",
    "https://o.github.io/r",
    "https://raw.githubusercontent.com/o/r/main/README.md",
    "https://api.github.com/repos/o/r",
    "https://example.com",
    "www.example.com/10.1000/182",
    "https://scholar.google.com/scholar?q=1808.01244",
    "https://",
    "http://",
    "://arxiv.org/abs/1808.01244",
    "https:/arxiv.org/abs/1808.01244",
    "https://arxiv.org/abs/1808.01244 https://evil.example/",
    "https://github.com/o/r tree",
    "owner/repo",
    "tensorflow/models",
    "C18-1183",
    "(10.1000/182)",
    "\u00e9\u00e8",
]

# Characters that hide or disguise what a link is, and inputs that are not a link at all.
HIDDEN_OR_EMPTY = [
    "",
    "   ",
    "\n\t",
    None,
    b"https://arxiv.org/abs/1808.01244",
    "\x00",
    "https://arxiv.org/abs/1808.01244\x00",
    "https://arxiv.org/abs/1808.01244\x00.evil",
    "https://arxiv.org/abs/\u202e4421.0808",  # right-to-left override
    "\u200fhttps://arxiv.org/abs/1808.01244",  # right-to-left mark
    "https://arxiv.org/abs/1808.01244\u200e",  # left-to-right mark
    "https://git\u200bhub.com/o/r",  # zero-width space
    "\ufeffhttps://arxiv.org/abs/1808.01244",  # byte-order mark
    "https://arxiv.org/abs/1808.01244\n\nhttps://evil.example/",
    "https://github.com/o/r\ttree",
    "https://arxiv.org/abs/1808.01244\x7f",
    "https://arxiv.org/abs/1808.01244\x1b[31m",
    "https://github.com/o/r/\ue000",  # private use
    "https://github.com/o/r/\ud800",  # lone surrogate
    "https://github.com/o/r/" + "a" * MAX_LINK_LENGTH,
    "1" * (MAX_LINK_LENGTH + 1),
]

# Known hosts with something wrong in the link, and the words that explain what.
MALFORMED = [
    ("https://arxiv.org/abs/1808.0124", "arXiv id"),
    ("https://arxiv.org/abs/1813.01244", "arXiv id"),
    ("https://arxiv.org/abs/1800.01244", "arXiv id"),
    ("https://arxiv.org/abs/1808.01244v0", "arXiv id"),
    ("https://arxiv.org/abs/1808.01244v", "arXiv id"),
    ("https://arxiv.org/abs/1808.01244v1000", "arXiv id"),
    ("https://arxiv.org/abs/foo-ph/9901001", "arXiv id"),
    ("https://arxiv.org/abs/hep-th/990100", "arXiv id"),
    ("https://arxiv.org/abs/1808.01244.pdf", "arXiv id"),
    ("https://arxiv.org/abs/%31808.01244", "arXiv id"),
    ("1412.12345", "arXiv id"),
    ("1501.1234", "arXiv id"),
    ("0703.0001", "arXiv id"),
    ("1808.012445", "arXiv id"),
    ("hep-th/0704001", "arXiv id"),
    ("hep-th/9101001", "arXiv id"),
    ("hep-th/9913001", "arXiv id"),
    ("\u0661\u0668\u0660\u0668.\u0660\u0661\u0662\u0664\u0664", GENERIC),  # Arabic-Indic digits
    ("arXiv:", "arXiv id"),
    ("arXiv:banana", "arXiv id"),
    ("arXiv:1808.01244 extra", "arXiv id"),
    ("https://arxiv.org", "abstract page"),
    ("https://arxiv.org/", "abstract page"),
    ("https://arxiv.org/abs/", "abstract page"),
    ("https://arxiv.org/list/cs.CL/recent", "abstract page"),
    ("https://arxiv.org/a/someone_1", "abstract page"),
    ("https://arxiv.org/abs/1808.01244/extra", "abstract page"),
    ("https://arxiv.org/pdf/1808.01244/page/2", "abstract page"),
    ("10.1/abc", "DOI"),
    ("10.123/abc", "DOI"),
    ("10.1145/", "DOI"),
    ("doi:10.1145", "DOI"),
    ("doi:", "DOI"),
    ("doi:banana", "DOI"),
    ("10.1145/ab cd", "DOI"),
    ("10.1145/%00abc", "DOI"),
    # Short enough as a DOI, but its doi.org link (three characters for each "<") would not fit.
    ("doi:10.1234/" + "<" * 180, "DOI"),
    ("https://aclanthology.org/2020.findings-emnlp-industry-track-long.123/", "ACL"),
    ("10.1145/\u00e9t\u00e9", "DOI"),
    ("10.1145/" + "a" * 300, "DOI"),
    ("https://doi.org", "DOI"),
    ("https://doi.org/", "DOI"),
    ("https://doi.org/banana", "DOI"),
    ("https://doi.org/10.1145", "DOI"),
    ("https://doi.org/10.48550/arXiv.banana", "arXiv id"),
    ("https://openreview.net", "forum page"),
    ("https://openreview.net/forum", "forum page"),
    ("https://openreview.net/forum?id=", "forum page"),
    ("https://openreview.net/forum?id=abc", "forum page"),
    ("https://openreview.net/forum?id=" + "a" * 41, "forum page"),
    ("https://openreview.net/forum?id=r1lr<script>", "forum page"),
    ("https://openreview.net/forum?id=r1lr%20AiA5Ym", "forum page"),
    ("https://openreview.net/group?id=ICLR.cc/2019/Conference", "forum page"),
    ("https://openreview.net/profile?id=~Someone1", "forum page"),
    ("https://openreview.net/r1lrAiA5Ym", "forum page"),
    ("https://aclanthology.org/", "ACL Anthology"),
    ("https://aclanthology.org/volumes/C18-1/", "ACL Anthology"),
    ("https://aclanthology.org/events/acl-2020/", "ACL Anthology"),
    ("https://aclanthology.org/C18-118", "ACL Anthology"),
    ("https://aclanthology.org/CC18-1183", "ACL Anthology"),
    ("https://aclanthology.org/2020.acl-main", "ACL Anthology"),
    ("https://aclanthology.org/C18-1183/extra", "ACL Anthology"),
    ("https://aclweb.org/portal/", "ACL Anthology"),
    ("aclweb.org/anthology/", "ACL Anthology"),
    ("https://github.com", "names no repository"),
    ("github.com/", "names no repository"),
    ("https://github.com/princeton-vl", "GitHub account"),
    ("https://github.com/princeton-vl/", "GitHub account"),
    ("https://github.com/princeton-vl?tab=repositories", "GitHub account"),
    ("https://github.com/orgs/princeton-vl/repositories", "not a repository"),
    ("github.com/settings/profile", "not a repository"),
    ("https://github.com/topics/nlp", "not a repository"),
    ("https://github.com/marketplace", "not a repository"),
    ("https://github.com/features/copilot", "not a repository"),
    ("https://github.com/login", "not a repository"),
    ("https://github.com/search?q=cornernet", "not a repository"),
    ("https://github.com/Sponsors/someone", "not a repository"),
    ("https://gist.github.com/someone/0123abcd", "gist"),
    ("https://github.com/-owner/r", "we can read"),
    ("https://github.com/owner-/r", "we can read"),
    ("https://github.com/ow--ner/r", "we can read"),
    ("https://github.com/own_er/r", "we can read"),
    ("https://github.com/own.er/r", "we can read"),
    ("https://github.com/" + "a" * 40 + "/r", "we can read"),
    ("https://github.com/o/.", "we can read"),
    ("https://github.com/o/..", "we can read"),
    ("https://github.com/o/.git", "we can read"),
    ("https://github.com/o/" + "b" * 101, "we can read"),
    ("https://github.com/o/r%20x", "we can read"),
    ("https://github.com/o/r$", "we can read"),
    ("https://github.com/o/r/tree/../../evil/x", "we can read"),
    ("https://github.com/o/r/%2e%2E/%2e%2e/evil/x", "we can read"),
    ("https://github.com/o/r/tree/main/./x", "we can read"),
    ("https://github.com/o/r/tree/main/" + "p" * 300, "we can read"),
    ("git@github.com:o", GENERIC),
    ("git@github.com:-o/r.git", "we can read"),
]


@pytest.mark.parametrize(("text", "expected"), PAPER_FORMS)
def test_it_reads_every_form_of_paper_link(text, expected):
    assert parse_link(text) == expected
    assert parse_paper_link(text) == expected


@pytest.mark.parametrize(("text", "expected"), REPO_FORMS)
def test_it_reads_every_form_of_repository_link(text, expected):
    assert parse_link(text) == expected
    assert parse_repo_link(text) == expected


@pytest.mark.parametrize("spellings", SPELLINGS, ids=lambda spellings: spellings[0])
def test_it_gives_one_key_for_every_spelling_of_one_paper(spellings):
    keys = {(ref.kind, ref.value) for ref in map(parse_link, spellings)}

    assert len(keys) == 1


@pytest.mark.parametrize(("text", "expected"), PAPER_FORMS)
def test_it_reads_its_own_landing_page_back_as_the_same_paper(text, expected):
    assert parse_link(parse_link(text).url) == dataclasses.replace(expected, version=None)


@pytest.mark.parametrize(("text", "expected"), REPO_FORMS)
def test_it_reads_its_own_repository_url_back_as_the_same_repository(text, expected):
    assert parse_link(parse_link(text).url) == RepoRef(expected.owner, expected.name)


def test_it_splits_every_demo_code_link_into_repository_and_path_as_the_loader_stores_it():
    code_urls = [entry["code_url"] for entry in json.loads(DEMO_PATH.read_text())["entries"] if entry.get("code_url")]
    assert code_urls

    for code_url in code_urls:
        ref = parse_repo_link(code_url)
        assert (f"{ref.url}/{ref.path}" if ref.path else ref.url) == code_url
    assert parse_repo_link("https://github.com/tensorflow/models/tree/master/research/cvt_text").path == (
        "tree/master/research/cvt_text"
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_it_refuses_what_it_cannot_read_with_the_generic_message(text):
    with pytest.raises(LinkError) as raised:
        parse_link(text)

    assert str(raised.value) == GENERIC


@pytest.mark.parametrize("text", HIDDEN_OR_EMPTY, ids=repr)
def test_it_refuses_empty_oversized_and_disguised_input(text):
    with pytest.raises(LinkError) as raised:
        parse_link(text)

    assert_one_line(raised.value)
    assert str(raised.value) != GENERIC


@pytest.mark.parametrize(("text", "explanation"), MALFORMED)
def test_it_says_what_is_wrong_with_a_link_to_a_known_site(text, explanation):
    with pytest.raises(LinkError) as raised:
        parse_link(text)

    assert explanation in str(raised.value)
    assert_one_line(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/princeton-vl/CornerNet",
        "git@github.com:princeton-vl/CornerNet.git",
        "https://github.com/tensorflow/models/tree/master/research/cvt_text",
        "https://github.com/princeton-vl",
        "https://github.com/orgs/princeton-vl",
        "https://github.com/-bad/name",
        "https://gist.github.com/someone/0123abcd",
    ],
)
def test_it_sends_code_links_pasted_as_a_paper_to_the_code_field(text):
    with pytest.raises(LinkError, match="This is a code link: put it in the code field") as raised:
        parse_paper_link(text)

    # Issue 17: it names the paper sources this field takes, and no code host.
    assert "arXiv, DOI, OpenReview or ACL Anthology link" in str(raised.value)
    assert "GitHub" not in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "https://arxiv.org/abs/1808.01244",
        "1808.01244",
        "arXiv:hep-th/9901001",
        "https://doi.org/10.18653/v1/D18-1217",
        "10.1145/3209978.3209998",
        "https://openreview.net/forum?id=r1lrAiA5Ym",
        "https://aclanthology.org/C18-1183/",
        "https://arxiv.org/abs/1813.01244",
        "https://openreview.net/forum",
    ],
)
def test_it_says_the_code_field_takes_links_to_the_code_hosts(text):
    with pytest.raises(LinkError, match="This is a paper link, not a code link") as raised:
        parse_repo_link(text)

    assert "GitHub, GitLab, Gitee, Bitbucket or Codeberg" in str(raised.value)
    assert "Hugging Face" in str(raised.value)


@pytest.mark.parametrize("parse", [parse_paper_link, parse_repo_link])
@pytest.mark.parametrize("text", ["https://evil.example/arxiv.org/abs/1808.01244", "javascript:alert(1)"])
def test_it_names_what_each_field_takes_for_unreadable_links(parse, text):
    with pytest.raises(LinkError) as raised:
        parse(text)

    takes = paper_field_takes() if parse is parse_paper_link else code_field_takes()
    assert str(raised.value) == f"We cannot read this link. {takes}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1808.01244v2", ("1808.01244", 2)),
        ("1808.01244", ("1808.01244", None)),
        (" 1808.01244 ", ("1808.01244", None)),
        ("arXiv:hep-th/9901001", ("hep-th/9901001", None)),
        ("ARXIV:1808.01244V12", ("1808.01244", 12)),
        ("arxiv 2401.12345", ("2401.12345", None)),
        ("Hep-Th/9901001v3", ("hep-th/9901001", 3)),
        ("math.GT/0309136v3", ("math/0309136", 3)),
        ("q-bio.NC/0404001", ("q-bio/0404001", None)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999", ("1412.9999", None)),
        ("1501.00001", ("1501.00001", None)),
        ("2912.99999", ("2912.99999", None)),
    ],
)
def test_it_normalises_arxiv_ids(text, expected):
    assert normalise_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "1808.01244v0",
        "1808.01244v01",
        "1808.1244",
        "180801244",
        "1808.012445",
        "1808.01244 v2",
        "0704.00001",
        "1501.0001",
        "0612.0001",
        "1800.01244",
        "1813.01244",
        "hep-th/990100",
        "hep-th/99010011",
        "hep-th/9900001",
        "hep-th/9106001",
        "hep-th/0704001",
        "xx-yy/9901001",
        "hep-th9901001",
        "https://arxiv.org/abs/1808.01244",
        "10.1145/3209978.3209998",
        "arXiv:",
        "\u0661\u0668\u0660\u0668.\u0660\u0661\u0662\u0664\u0664",
        "1808.\n01244",
        "1808.01244\x00",
    ],
    ids=repr,
)
def test_it_refuses_what_is_not_an_arxiv_id(text):
    with pytest.raises(LinkError, match="not an arXiv id"):
        normalise_arxiv_id(text)


@pytest.mark.parametrize(
    ("ref", "field", "url", "label"),
    [
        (arxiv("1808.01244", 2), "arxiv_id", "https://arxiv.org/abs/1808.01244", "arXiv:1808.01244"),
        (arxiv("hep-th/9901001"), "arxiv_id", "https://arxiv.org/abs/hep-th/9901001", "arXiv:hep-th/9901001"),
        (
            doi("10.1145/3209978.3209998"),
            "doi",
            "https://doi.org/10.1145/3209978.3209998",
            "DOI 10.1145/3209978.3209998",
        ),
        (doi("10.1000/a#b?c%d"), "doi", "https://doi.org/10.1000/a%23b%3Fc%25d", "DOI 10.1000/a#b?c%d"),
        (doi("10.1002/x<1>"), "doi", "https://doi.org/10.1002/x%3C1%3E", "DOI 10.1002/x<1>"),
        (
            openreview("r1lrAiA5Ym"),
            "openreview_id",
            "https://openreview.net/forum?id=r1lrAiA5Ym",
            "OpenReview r1lrAiA5Ym",
        ),
        (acl("C18-1183"), "acl_id", "https://aclanthology.org/C18-1183/", "ACL Anthology C18-1183"),
    ],
)
def test_it_names_a_paper_ref_as_the_paper_model_does(ref, field, url, label):
    assert (ref.field, ref.url, ref.label) == (field, url, label)


def test_it_names_a_repository_by_owner_and_name_whatever_the_path():
    assert (CVT_TEXT.full_name, CVT_TEXT.url, CVT_TEXT.host) == (
        "tensorflow/models",
        "https://github.com/tensorflow/models",
        "github.com",
    )


def test_it_makes_refs_that_cannot_change_and_can_be_set_members():
    ref = parse_link("arXiv:1808.01244")

    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.value = "1809.08370"
    assert {ref, parse_link("1808.01244"), CORNERNET, parse_link("github.com/princeton-vl/CornerNet")} == {
        ref,
        CORNERNET,
    }


def test_it_raises_a_value_error_whose_text_is_the_message():
    with pytest.raises(ValueError, match="^We cannot read this link;"):
        parse_link("ftp://arxiv.org/abs/1808.01244")


def test_it_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsing opened a connection")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)

    for text, _expected in PAPER_FORMS + REPO_FORMS:
        parse_link(text)
    for text in HOSTILE:
        with pytest.raises(LinkError):
            parse_link(text)


# --- Whatever it is given, the answer is a ref or a LinkError

FRAGMENTS = [
    "https://", "http://", "//", "arxiv.org", "www.", "export.", "doi.org", "dx.", "openreview.net", "github.com",
    "gist.", "aclanthology.org", "aclweb.org", "/anthology", "/", "/", "/", "abs", "pdf", "html", ".pdf", "forum",
    "?id=", "&", "=", "#", "?", "10.", "1145", "48550", "arXiv.", "1808.01244", "2401.12345", "v2", "v", "hep-th",
    "math.GT", "9901001", "C18-1183", "2020.acl-main.447", "r1lrAiA5Ym", "tensorflow", "models", "tree", "master",
    ".git", "git@github.com:", "arXiv:", "arxiv ", "doi:", "DOI: ", " ", "\t", ".", ",", ";", ":", "@", "%2F", "%2e",
    "%00", "%", "..", "-", "--", "_", "(", ")", "[", "]", "\\", "\u200f", "\u202e", "\ufeff", "\u00e9", "\u03a9",
    "\uff0f", "\uff10", "\u0430", "\u0661", "\x00", "\x7f", "\ud800", "\U0001f600", "0", "1", "9", "a", "Z",
]  # fmt: skip
KNOWN_GOOD = [text for text, _expected in PAPER_FORMS + REPO_FORMS]


KNOWN_PREFIXES = ["https://arxiv.org/", "doi.org/", "https://openreview.net/", "aclanthology.org/", "github.com/", ""]


def random_fragments(rng):
    return rng.choice(KNOWN_PREFIXES) + "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 12)))


def random_mutation(rng):
    text = list(rng.choice(KNOWN_GOOD))
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(text) + 1)
        action = rng.choice(["insert", "delete", "replace"])
        if action == "insert":
            text.insert(position, rng.choice(FRAGMENTS))
        elif text and position < len(text):
            text[position : position + 1] = [] if action == "delete" else [rng.choice(FRAGMENTS)]
    return "".join(text)


def random_code_points(rng):
    return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 30)))


@pytest.mark.parametrize("generate", [random_fragments, random_mutation, random_code_points])
def test_it_answers_arbitrary_text_with_a_ref_or_a_link_error(generate):
    rng = random.Random(f"paperdaily-{generate.__name__}")
    for _ in range(3000):
        text = generate(rng)
        try:
            ref = parse_link(text)
        except LinkError as error:
            assert_one_line(error)
            continue
        # Whatever it accepts is a key it can read back: nothing half-parsed gets stored.
        if isinstance(ref, PaperRef):
            assert parse_link(ref.url) == dataclasses.replace(ref, version=None), text
        else:
            assert parse_link(ref.url) == RepoRef(ref.owner, ref.name), text
            assert parse_link(f"{ref.url}/{ref.path}") == ref, text


def assert_one_line(error):
    message = str(error)
    assert message.strip()
    assert "\n" not in message
