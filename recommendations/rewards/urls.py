from django.urls import path

from recommendations.rewards import views as reward_views

app_name = "rewards"

urlpatterns = [
    path("<int:pk>/claim/", reward_views.claim, name="claim"),
]
