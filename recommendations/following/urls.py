from django.urls import path

from recommendations.following import views

app_name = "following"

urlpatterns = [
    path("following/", views.following, name="list"),
    path("following/<str:kind>/<str:key>/", views.follow_toggle, name="toggle"),
]
