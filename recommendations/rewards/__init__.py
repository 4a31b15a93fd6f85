"""Rewards: earned by published recommendations, claimed by their recommenders, sent by editors."""
