"""The one rule for invisible characters in text people type: which ones we refuse or drop.

Control characters (C0 and C1) but tab and line breaks never stay: PostgreSQL refuses NUL
outright, and the others would travel into pages, mails and labels unseen. Where text names
someone or something (a display name, a postal address), the bidi embeddings, overrides and
isolates are refused too: they make it read differently from what it holds. Prose (a write-up,
a caption) keeps them, as right-to-left quotations may need them.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Character classes (without brackets) for re; search's clean-up adds its own placeholders.
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[{CONTROL_CHARACTERS}]")
_REFUSED = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CONTROLS}]")
_REFUSED_OR_LINE_BREAKS = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CONTROLS}\t\n\r]")

CONTROL_MESSAGE = _("Remove the invisible control characters from this text.")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_controls(text: str, *, allow_newlines: bool = True) -> bool:
    """Whether ``text`` holds a control or bidi character (tab and line breaks too, unless allowed)."""
    return bool((_REFUSED if allow_newlines else _REFUSED_OR_LINE_BREAKS).search(text))


def without_controls(text: str) -> str:
    """``text`` with line breaks normalised to "\\n" and control characters dropped (prose keeps bidi marks)."""
    return _CONTROLS.sub("", normalise_newlines(text))


def mark_controls(text: str, mark: str = "\ufffd") -> str:
    """``text`` with each character ``has_controls`` refuses replaced by ``mark``, for showing it back."""
    return _REFUSED.sub(mark, text)


def control_characters_validator(*, allow_newlines):
    """A form validator refusing text for which ``has_controls`` is true."""

    def validate(value):
        if has_controls(value, allow_newlines=allow_newlines):
            raise ValidationError(CONTROL_MESSAGE, code="control")

    return validate
