"""Paper, topic and search pages. The namespace is "papers", as every link and template names it."""

from django.urls import path

from recommendations.reading import views

app_name = "papers"

urlpatterns = [
    path("papers/<int:pk>/", views.paper_detail, name="paper-detail"),
    path("tags/", views.tag_list, name="tag-list"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("authors/<int:pk>/", views.author_detail, name="author-detail"),
    path("search/", views.search, name="search"),
]
