"""The back office: each feature registers its own admin; importing them here lets Django find them."""

from recommendations.accounts import admin as accounts_admin
from recommendations.issues import admin as issues_admin
from recommendations.moderation import admin as moderation_admin
from recommendations.newsletter import admin as newsletter_admin
from recommendations.recommending import admin as recommending_admin
from recommendations.rewards import admin as rewards_admin

__all__ = [
    "accounts_admin",
    "issues_admin",
    "moderation_admin",
    "newsletter_admin",
    "recommending_admin",
    "rewards_admin",
]
