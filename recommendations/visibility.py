"""What a reader may see, in one place: the ORM, raw SQL and the search triggers all follow it.

A recommendation is public when it is published and sits in a published issue; a paper is
public ("featured") when one of its recommendations is. Editors (staff) also see drafts, to
preview them. The same rule is written three ways because three languages need it:

- ``published_recommendations_q`` for querysets (counts on topics and recommenders, listings);
- ``PUBLISHED_RECOMMENDATIONS_SQL`` for hand-written SQL (related papers);
- the search migration's trigger function ``papers_search_document`` (papers/migrations/0004_search.py),
  which holds ``PUBLISHED_CONDITION_SQL`` word for word.

tests/recommendations/test_visibility.py checks that the three select the same rows.
"""

from django.db.models import Q

from papers.models import Paper

# Recommendation.Status.PUBLISHED and Issue.Status.PUBLISHED (the models take their values from here).
PUBLISHED = "published"

# For a recommendation ``r`` whose issue is ``i``.
PUBLISHED_CONDITION_SQL = f"r.status = '{PUBLISHED}' AND i.status = '{PUBLISHED}'"
PUBLISHED_RECOMMENDATIONS_SQL = f"""
      FROM recommendations_recommendation r
      JOIN recommendations_issueentry e ON e.recommendation_id = r.id
      JOIN recommendations_issue i ON i.id = e.issue_id
     WHERE {PUBLISHED_CONDITION_SQL}
"""


def published_recommendations_q(prefix=""):
    """The rule as a filter: a published recommendation in a published issue.

    ``prefix`` reaches recommendations through a relation (``"recommendations__"``), so
    that counts on tags and recommenders apply the very same rule.
    """
    return Q(**{f"{prefix}status": PUBLISHED, f"{prefix}issue_entry__issue__status": PUBLISHED})


def sees_drafts(user) -> bool:
    """Editors preview draft issues and the recommendations in them; nobody else does."""
    return bool(user.is_authenticated and user.is_staff)


def featured_papers(papers=None):
    """Papers (of ``papers``, or all) that appear in at least one published issue: what readers may open."""
    # Reached through the relation: recommendations.models builds on this module.
    recommendations = Paper._meta.get_field("recommendations").related_model._default_manager
    papers = Paper.objects.all() if papers is None else papers
    return papers.filter(pk__in=recommendations.filter(published_recommendations_q()).values("paper_id"))
