from django.urls import path

from recommendations.library import views

app_name = "library"

urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/papers/<str:paper_id>/", views.change, name="change"),
    path("library/export.bib", views.export_bibtex, name="export-bibtex"),
    path("library/export.json", views.export_csl, name="export-csl"),
]
