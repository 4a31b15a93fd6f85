"""Workflows on recommendations, shared by the web forms, the admin, the API and the tasks.

``submission``: recommending, editing and withdrawing (the recommender's side).
``moderation``: accepting, rejecting and telling the recommender (the editor's side).
"""
