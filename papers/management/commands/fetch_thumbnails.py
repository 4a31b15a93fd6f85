"""``manage.py fetch_thumbnails``: draw the first page of arXiv papers that have no thumbnail.

Without arguments it sends the missing ones to the workers (as beat does each night); with
``--paper ID`` it draws those papers here and now and says how each went.
"""

from django.core.management.base import BaseCommand

from papers import services
from papers.models import Paper
from papers.sources.base import TemporaryError


class Command(BaseCommand):
    help = "Draw the first page of arXiv papers that have no thumbnail yet."

    def add_arguments(self, parser):
        parser.add_argument("--paper", type=int, action="append", default=[], help="draw this paper now (repeatable)")
        parser.add_argument("--limit", type=int, default=200, help="papers to send to the workers at most")

    def handle(self, *args, paper, limit, **options):
        if not paper:
            paper_ids = list(services.papers_missing_thumbnail().order_by("pk").values_list("pk", flat=True)[:limit])
            services.enqueue_thumbnails(paper_ids)
            self.stdout.write(f"Sent {len(paper_ids)} paper(s) to be drawn.")
            return
        for paper_id in paper:
            try:
                drawn = services.paper_fetch_thumbnail(paper_id=paper_id)
            except Paper.DoesNotExist:
                self.stderr.write(f"paper {paper_id}: no such paper")
                continue
            except TemporaryError as error:
                self.stderr.write(f"paper {paper_id}: {error} (try again later)")
                continue
            if drawn.thumbnail:
                size = f"{drawn.thumbnail_width}×{drawn.thumbnail_height}"
                self.stdout.write(f"paper {paper_id}: {drawn.thumbnail.name} ({size})")
            else:
                self.stderr.write(f"paper {paper_id}: {drawn.thumbnail_error}")
