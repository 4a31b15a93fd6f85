"""What resolve_paper and resolve_repo share: read a link, fetch now, save, print."""

import json

from django.core.management.base import BaseCommand, CommandError

from papers.identifiers import LinkError
from papers.sources.base import TemporaryError


class ResolveCommand(BaseCommand):
    """Subclasses say how to read the link, find the row, fetch it, and show it."""

    example = ""

    def add_arguments(self, parser):
        parser.add_argument("link", help=f"e.g. {self.example}")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, link, **options):
        try:
            ref = self.parse(link)
        except LinkError as error:
            raise CommandError(str(error)) from None
        row, created = self.get_or_create(ref)
        try:
            row = self.fetch(row)
        except TemporaryError as error:
            self._forget(row, created)
            raise CommandError(f"{str(error).rstrip('.')}. Try again later.") from None
        failure = self.failure(row)
        if failure:
            self._forget(row, created)
            raise CommandError(failure)
        found = self.as_dict(row)
        if options["json"]:
            self.stdout.write(json.dumps(found, ensure_ascii=False))
            return
        width = max(map(len, found))
        for key, value in found.items():
            if isinstance(value, list):
                value = "; ".join(value)
            self.stdout.write(f"{key:>{width}}: {'' if value is None else value}")

    def _forget(self, row, created):
        """A row made only for this look-up, which found nothing, is not kept."""
        if created and not self.in_use(row):
            row.delete()

    # --- what each command fills in

    def parse(self, link):
        raise NotImplementedError

    def get_or_create(self, ref):
        raise NotImplementedError

    def fetch(self, row):
        raise NotImplementedError

    def failure(self, row):
        """The one-line reason the fetch gave nothing usable; "" when it did."""
        raise NotImplementedError

    def in_use(self, row):
        raise NotImplementedError

    def as_dict(self, row):
        raise NotImplementedError
