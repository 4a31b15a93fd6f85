"""``manage.py resolve_repo <link>``: find or create the repository of a link and fetch it now."""

from papers import services
from papers.identifiers import parse_repo_link
from papers.management.resolve import ResolveCommand
from papers.models import Repository


class Command(ResolveCommand):
    help = (
        "Read a code link (GitHub, GitLab, Gitee, Bitbucket, Codeberg, Hugging Face), fetch the repository's "
        "facts now where its host has an API, save them, and print what was "
        "found. Exits non-zero with a one-line message when the link cannot be read, the repository does "
        "not exist, or its host fails."
    )
    example = "https://github.com/tensorflow/models/tree/master/research/cvt_text"

    def parse(self, link):
        return parse_repo_link(link)

    def get_or_create(self, ref):
        return services.repository_get_or_create(ref=ref)

    def fetch(self, repository):
        return services.repository_fetch(repository_id=repository.pk)

    def failure(self, repository):
        if repository.fetch_status == Repository.FetchStatus.OK:
            return ""
        return repository.fetch_error or f"No facts for {repository.full_name}."

    def in_use(self, repository):
        return repository.paper_links.exists()

    def as_dict(self, repository):
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
