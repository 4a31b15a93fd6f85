"""Why a paper is in a reader's "for you" list, said in a sentence.

The trainer stores each pick's reason as a small dict (``ForYouPick.reason``), so that pages,
feeds, the digest and the API say the same thing in the reader's language:

- ``{"kind": "saved", "paper_id": 12, "title": "CornerNet: ..."}``: much like a paper they saved;
- ``{"kind": "topic", "slug": "object-detection", "name": "Object Detection", "name_zh": "目标检测"}``;
- ``{"kind": "recommender", "handle": "qaq"}``;
- ``{"kind": "author", "id": 7, "name": "Hei Law"}``;
- ``{"kind": "terms", "terms": ["detection", "keypoint"]}``: the terms that weighed most;
- ``{"kind": "recent"}``: nothing known of the reader yet, so the newest first.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

REASON_KINDS = ["saved", "topic", "recommender", "author", "terms", "recent"]


def reason_text(reason: dict) -> str:
    kind = (reason or {}).get("kind")
    if kind == "saved":
        return _("Because you saved “%(title)s”") % {"title": reason.get("title") or _("a paper")}
    if kind == "topic":
        return _("A topic you follow: #%(name)s") % {"name": _local_topic_name(reason)}
    if kind == "recommender":
        return _("Recommended by @%(handle)s, whom you follow") % {"handle": reason.get("handle", "")}
    if kind == "author":
        return _("By %(name)s, whom you follow") % {"name": reason.get("name", "")}
    if kind == "terms" and reason.get("terms"):
        return _("Close to what you saved: %(terms)s") % {"terms": ", ".join(reason["terms"])}
    return _("New in PaperDaily")


def _local_topic_name(reason):
    if (get_language() or "").startswith("zh") and reason.get("name_zh"):
        return reason["name_zh"]
    return reason.get("name", "")
