from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("issues/", views.issue_list, name="issue-list"),
    path("issues/<int:number>/", views.issue_detail, name="issue-detail"),
    path("recommenders/", views.recommender_list, name="recommender-list"),
    path("recommenders/<str:handle>/", views.recommender_detail, name="recommender-detail"),
]
