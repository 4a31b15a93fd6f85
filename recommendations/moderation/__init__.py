"""Moderation: the review queue in the admin, accepting and rejecting, and the decision e-mail."""
