"""Topics whose name matches a search, in English or Chinese: "目标检测" or "detection" lead to
Object Detection, whichever language the reader types in and whichever the interface speaks."""

from django.db.models import Q

from papers.models import Tag

# A search page shows this many matching topics at most, above the papers.
MATCHING_TOPICS = 6
# Shorter queries ("a", "检") would match most topics.
MATCHING_TOPICS_MIN_LENGTH = 2


def matching_topics(query: str, *, limit: int = MATCHING_TOPICS) -> list[Tag]:
    """Approved topics whose English or Chinese name contains the whole query, or every one of its
    words; those whose name starts with it first."""
    query = " ".join(query.split())
    if len(query) < MATCHING_TOPICS_MIN_LENGTH:
        return []
    words = Q()
    for word in query.split()[:8]:
        words &= Q(name__icontains=word) | Q(name_zh__icontains=word)
    topics = Tag.objects.approved().filter(Q(name__icontains=query) | Q(name_zh__icontains=query) | words)
    topics = list(topics.select_related("area").order_by("name")[: limit * 4])
    folded = query.casefold()
    topics.sort(key=lambda tag: not (tag.name.casefold().startswith(folded) or tag.name_zh.startswith(query)))
    return topics[:limit]
