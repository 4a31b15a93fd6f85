"""``manage.py loaddemo``: the demo issue (PaperDaily #128); ``--fetch`` refreshes its metadata."""

from django.core.management.base import BaseCommand, CommandError

from paperdaily.lib.tasks import enqueue
from papers.models import Paper, Repository
from recommendations.demo import demo_load
from recommendations.issues import publishing
from recommendations.issues.assembly import issue_papers_and_repositories
from recommendations.issues.tasks import refresh_issue
from recommendations.reading.related import related_papers_store


class Command(BaseCommand):
    help = (
        "Load the demo issue PaperDaily #128 (17 recommendations with their papers, recommenders, tags, "
        "code links and a dataset link) from recommendations/demo/paperdaily-128.json. Safe to rerun: "
        "it creates only what is missing and never changes existing rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fetch",
            action="store_true",
            help="queue a metadata refresh of the demo issue for the workers when anything of it is still pending",
        )

    def handle(self, *args, fetch=False, **options):
        try:
            result = demo_load()
        except ValueError as error:
            # A malformed data file (bad JSON, a missing key): say what, rather than print a traceback.
            raise CommandError(f"The demo data file is malformed: {error}") from error
        # Published, so its cards are frozen and its papers' related papers stored, as publishing
        # would have done (the pages read both from there).
        publishing.issue_freeze_missing_cards(issue_id=result.issue.pk)
        papers, _repositories = issue_papers_and_repositories(issue_id=result.issue.pk)
        related_papers_store(paper_ids=[paper.pk for paper in papers if paper.related_computed_at is None])
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo issue {result.issue.number}: {result.entries} entries "
                    f"(created {result.created} recommendations, {result.existing} already there)."
                )
            )
        if fetch:
            self._queue_refresh(result.issue)

    def _queue_refresh(self, issue):
        papers, repositories = issue_papers_and_repositories(issue_id=issue.pk)
        pending = sum(paper.metadata_status == Paper.MetadataStatus.PENDING for paper in papers) + sum(
            repository.fetch_status == Repository.FetchStatus.PENDING for repository in repositories
        )
        if pending:
            enqueue(refresh_issue, issue.pk)
            self.stdout.write(
                f"Queued a metadata refresh of issue {issue.number} ({pending} papers and repositories pending)."
            )
