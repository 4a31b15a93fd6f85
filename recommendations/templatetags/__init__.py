"""Template tags of the recommendations app."""
