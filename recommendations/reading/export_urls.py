"""An issue as Markdown, standalone HTML and BibTeX downloads."""

from django.urls import path

from recommendations.reading import export_views

app_name = "exports"

urlpatterns = [
    path("issues/<int:number>/export.md", export_views.markdown, name="markdown"),
    path("issues/<int:number>/export.html", export_views.html, name="html"),
    path("issues/<int:number>/papers.bib", export_views.bibtex, name="bibtex"),
]
