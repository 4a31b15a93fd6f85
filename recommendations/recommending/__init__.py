"""Recommending a paper: the form and the API, one's own recommendations, and their figures."""
