from django.urls import path

from recommendations.digest import views

app_name = "digest"

urlpatterns = [
    path("", views.digest_settings, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
