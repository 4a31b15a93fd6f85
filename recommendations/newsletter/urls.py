"""Newsletter pages under /newsletter/: sign up, check your inbox, confirm, unsubscribe."""

from django.urls import path

from recommendations.newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("check-your-inbox/", views.pending, name="pending"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
