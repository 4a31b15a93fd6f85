"""Static files under names that carry a hash of their content, cached by browsers for a year.

``collectstatic`` writes each file under its hashed name (``site.3f2a9c0e1b7d.css``) beside a
gzip and a Brotli copy; pages link the hashed name, so a changed file is a new URL and an old
one may be kept forever. WhiteNoise answers hashed names with ``immutable`` caching.
"""

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names once ``collectstatic`` has run; the plain name of a file it has not collected yet.

    Without the fallback a page naming a file missing from the manifest (no ``collectstatic`` on
    a first run, or a file added since) would fail to render; WhiteNoise still serves the plain
    name from ``static/`` (WHITENOISE_USE_FINDERS), only without the long caching.
    """

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    # A year: what a hashed name's Cache-Control promises (WhiteNoise's own is ten).
    FOREVER = 365 * 24 * 60 * 60
