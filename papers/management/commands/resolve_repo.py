import json

from django.core.management.base import BaseCommand, CommandError

from papers import services
from papers.identifiers import LinkError, parse_repo_link
from papers.models import Repository
from papers.sources.base import TemporaryError


class Command(BaseCommand):
    help = (
        "Read a GitHub repository link, fetch the repository's facts now, save them, and print what was "
        "found. Exits non-zero with a one-line message when the link cannot be read, the repository does "
        "not exist, or GitHub fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("link", help="e.g. https://github.com/tensorflow/models/tree/master/research/cvt_text")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, link, **options):
        try:
            ref = parse_repo_link(link)
        except LinkError as error:
            raise CommandError(str(error)) from None
        repository, created = services.repository_get_or_create(ref=ref)
        try:
            repository = services.repository_fetch(repository_id=repository.pk)
        except TemporaryError as error:
            self._forget(repository, created)
            raise CommandError(f"{str(error).rstrip('.')}. Try again later.") from None
        if repository.fetch_status != Repository.FetchStatus.OK:
            self._forget(repository, created)
            raise CommandError(repository.fetch_error or f"No facts for {ref.full_name}.")
        found = repository_as_dict(repository)
        if options["json"]:
            self.stdout.write(json.dumps(found, ensure_ascii=False))
            return
        for key, value in found.items():
            self.stdout.write(f"{key:>14}: {'' if value is None else value}")

    def _forget(self, repository, created):
        if created and not repository.paper_links.exists():
            repository.delete()


def repository_as_dict(repository):
    return {
        "full_name": repository.full_name,
        "html_url": repository.url,
        "description": repository.description,
        "stars": repository.stars,
        "language": repository.language,
        "license": repository.license or None,
        "pushed_at": repository.pushed_at.isoformat().replace("+00:00", "Z") if repository.pushed_at else None,
        "archived": repository.archived,
        "default_branch": repository.default_branch,
    }
