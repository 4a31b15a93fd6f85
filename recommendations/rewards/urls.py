"""Claiming a reward, under /rewards/."""

from django.urls import path

from recommendations.rewards import views

app_name = "rewards"

urlpatterns = [
    path("<int:pk>/claim/", views.claim, name="claim"),
]
