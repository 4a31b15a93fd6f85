"""``manage.py refresh_issue <number>``: fetch an issue's papers and repositories again, now or
through the workers."""

from django.core.management.base import BaseCommand, CommandError

from paperdaily.lib.tasks import enqueue
from papers import services
from papers.models import Repository
from papers.sources.base import TemporaryError
from recommendations.issues.assembly import issue_papers_and_repositories
from recommendations.issues.tasks import refresh_issue
from recommendations.models import Issue


class Command(BaseCommand):
    help = (
        "Refresh the metadata of every paper and repository of an issue. By default the work is queued "
        "for the workers; --now does it in this process and prints each result."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="the issue's number, e.g. 128")
        parser.add_argument("--now", action="store_true", help="fetch here and now instead of queueing")

    def handle(self, *args, number, now, **options):
        issue = Issue.objects.filter(number=number).first()
        if issue is None:
            raise CommandError(f"There is no issue {number}.")
        if not now:
            enqueue(refresh_issue, issue.pk)
            self.stdout.write(f"Queued a refresh of issue {number}; a running worker will do it.")
            return
        papers, repositories = issue_papers_and_repositories(issue_id=issue.pk)
        arxiv_ids = [paper.pk for paper in papers if paper.arxiv_id]
        try:
            done = services.papers_fetch_arxiv_batch(paper_ids=arxiv_ids)
        except TemporaryError as error:
            self.stderr.write(f"arXiv: {error}")
            done = []
        for paper in papers:
            if paper.pk not in arxiv_ids:
                done.append(self._attempt(services.paper_fetch_metadata, paper_id=paper.pk))
        for paper in filter(None, done):
            self.stdout.write(f"paper #{paper.pk} [{paper.metadata_status}] {paper} {paper.metadata_error}".rstrip())
        retry_later = services.repositories_fetch(repository_ids=[repository.pk for repository in repositories])
        for repository in Repository.objects.filter(pk__in=[repository.pk for repository in repositories]):
            if repository.pk in retry_later:
                self.stderr.write(f"repo {repository.full_name}: {retry_later[repository.pk]}")
                continue
            self.stdout.write(
                f"repo {repository.full_name} [{repository.fetch_status}] stars={repository.stars} "
                f"{repository.fetch_error}".rstrip()
            )

    def _attempt(self, service, **ids):
        try:
            return service(**ids)
        except TemporaryError as error:
            self.stderr.write(f"{ids}: {error}")
            return None
