from django.urls import path

from recommendations import reward_views

app_name = "rewards"

urlpatterns = [
    path("<int:pk>/claim/", reward_views.claim, name="claim"),
]
