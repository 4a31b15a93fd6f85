"""Recommender rewards, as the column gave them: earned by each published recommendation,
claimed once per person, ever (a database constraint), and sent by an editor."""

from ..models import Recommendation, Reward


def rewards_grant(*, issue) -> int:
    """Every recommendation published in ``issue`` earns its recommender a reward; running it again adds none."""
    recommendations = Recommendation.objects.filter(issue_entry__issue=issue).values_list("pk", "recommender_id")
    rewards = [
        Reward(recommender_id=recommender_id, recommendation_id=pk, issue=issue)
        for pk, recommender_id in recommendations
    ]
    created = Reward.objects.bulk_create(rewards, ignore_conflicts=True)
    return len(created)
