import json

from django.core.management.base import BaseCommand, CommandError

from papers import services
from papers.identifiers import LinkError, parse_paper_link
from papers.models import Paper
from papers.sources.base import TemporaryError


class Command(BaseCommand):
    help = (
        "Read a paper link (arXiv, DOI, OpenReview, ACL Anthology), fetch the paper's metadata now, "
        "save it, and print what was found. Exits non-zero with a one-line message when the link cannot "
        "be read, the paper does not exist, or an API fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("link", help="e.g. https://arxiv.org/abs/1808.01244 or doi:10.18653/v1/D18-1217")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, link, **options):
        try:
            ref = parse_paper_link(link)
        except LinkError as error:
            raise CommandError(str(error)) from None
        paper, created = services.paper_get_or_create(ref=ref)
        try:
            paper = services.paper_fetch_metadata(paper_id=paper.pk)
        except TemporaryError as error:
            self._forget(paper, created)
            raise CommandError(f"{str(error).rstrip('.')}. Try again later.") from None
        if paper.metadata_status != Paper.MetadataStatus.OK:
            self._forget(paper, created)
            raise CommandError(paper.metadata_error or f"No metadata for {ref.label}.")
        found = paper_as_dict(paper)
        if options["json"]:
            self.stdout.write(json.dumps(found, ensure_ascii=False))
            return
        for key, value in found.items():
            if isinstance(value, list):
                value = "; ".join(value)
            self.stdout.write(f"{key:>17}: {'' if value is None else value}")

    def _forget(self, paper, created):
        """A paper row made only for this look-up, which found nothing, is not kept."""
        if created and not paper.recommendations.exists():
            paper.delete()


def paper_as_dict(paper):
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
