from django.core.management.base import BaseCommand, CommandError

from recommendations.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo issue PaperDaily #128 (17 recommendations with their papers, recommenders, tags, "
        "code links and a dataset link) from recommendations/demo/paperdaily-128.json. Safe to rerun: "
        "it creates only what is missing and never changes existing rows."
    )

    def handle(self, *args, **options):
        try:
            result = demo_load()
        except ValueError as error:
            # A malformed data file (bad JSON, a missing key): say what, rather than print a traceback.
            raise CommandError(f"The demo data file is malformed: {error}") from error
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo issue {result.issue.number}: {result.entries} entries "
                    f"(created {result.created} recommendations, {result.existing} already there)."
                )
            )
