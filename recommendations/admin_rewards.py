"""Admin of recommender rewards: see claims, mark them sent."""
