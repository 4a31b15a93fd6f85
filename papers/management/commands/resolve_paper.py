"""``manage.py resolve_paper <link>``: find or create the paper of a link and fetch it now."""

from papers import services
from papers.identifiers import parse_paper_link
from papers.management.resolve import ResolveCommand
from papers.models import Paper


class Command(ResolveCommand):
    help = (
        "Read a paper link (arXiv, DOI, OpenReview, ACL Anthology), fetch the paper's metadata now, "
        "save it, and print what was found. Exits non-zero with a one-line message when the link cannot "
        "be read, the paper does not exist, or an API fails."
    )
    example = "https://arxiv.org/abs/1808.01244 or doi:10.18653/v1/D18-1217"

    def parse(self, link):
        return parse_paper_link(link)

    def get_or_create(self, ref):
        return services.paper_get_or_create(ref=ref)

    def fetch(self, paper):
        return services.paper_fetch_metadata(paper_id=paper.pk)

    def failure(self, paper):
        if paper.metadata_status == Paper.MetadataStatus.OK:
            return ""
        return paper.metadata_error or f"No metadata for {paper.identifier_label}."

    def in_use(self, paper):
        return paper.recommendations.exists()

    def as_dict(self, paper):
        return {
            "title": paper.title,
            "authors": [author.name for author in paper.authors.order_by("authorships__position")],
            "abstract": paper.abstract,
            "arxiv_id": paper.arxiv_id,
            "arxiv_version": paper.arxiv_version,
            "doi": paper.doi,
            "venue": paper.venue,
            "journal_ref": paper.journal_ref,
            "year": paper.year,
            "published": paper.published_on.isoformat() if paper.published_on else None,
            "primary_category": paper.primary_category,
            "abstract_url": paper.abstract_url,
            "pdf_url": paper.pdf_url,
        }
