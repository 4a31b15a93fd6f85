"""Reading HTML the way a browser would, to assert on what a page actually contains."""

import re

from bs4 import BeautifulSoup

SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers drop tabs and newlines anywhere in a URL, and C0 controls and spaces at its ends,
# before they look for the scheme: "java\tscript:" is "javascript:" to them.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def soup(html):
    if hasattr(html, "content"):
        html = html.content.decode()
    return BeautifulSoup(html, "html.parser")


def url_scheme(url):
    """The scheme a browser would see in ``url``, lower case; "" for a relative URL."""
    cleaned = _URL_IGNORED.sub("", url).strip(_C0_OR_SPACE)
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else ""


def assert_safe_html(html, *, page=False):
    """No script, no event handler, no frame or style, every URL http(s), mailto or relative.

    A fragment (a rendered write-up) may hold none of these. A whole ``page`` may load its
    own scripts from /static/ and has its own head and language form."""
    document = html if isinstance(html, BeautifulSoup) else soup(html)
    for script in document.find_all("script"):
        assert page and script.get("src", "").startswith("/static/"), script
        assert not script.get_text(strip=True), script
    forbidden = {"iframe", "frame", "frameset", "object", "embed", "style", "base", "svg", "math"}
    if not page:
        forbidden |= {"img", "form", "input", "button", "meta", "link"}
    for tag in document.find_all(True):
        assert tag.name not in forbidden, str(tag)[:200]
        for attribute, value in tag.attrs.items():
            attribute = attribute.lower()
            assert not attribute.startswith("on"), f"<{tag.name}> has {attribute}={value!r}"
            assert attribute != "style", f"<{tag.name}> has style={value!r}"
            if attribute in ("href", "src", "action", "formaction", "xlink:href", "poster", "background"):
                assert url_scheme(value) in SAFE_SCHEMES | {""}, f"<{tag.name}> {attribute}={value!r}"
    text = str(document)
    assert "\x00" not in text
    assert not re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f]", text), "control character in the HTML"
