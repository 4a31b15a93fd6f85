from django.urls import path
from django.views.decorators.http import require_safe

from recommendations.foryou import feeds, views

app_name = "foryou"

urlpatterns = [
    path("for-you/", views.for_you, name="for-you"),
    path("for-you/feed-token/", views.feed_token_reset, name="feed-token-reset"),
    path("feeds/me/<str:token>.atom", require_safe(feeds.PersonalFeed()), name="feed"),
]
