"""PaperDaily settings: one module, every value read from the environment.

With no environment at all (and DEBUG=true) the portal runs on its embedded
default: SQLite in ``var/``, a local-memory cache, and a Celery broker kept in
files under ``var/celery`` so that no server is needed. Set ``DATABASE_URL`` and
``REDIS_URL`` for the real stack. ``.env.example`` lists every variable.
"""

import os
import re
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PAPERDAILY_VAR_DIR", BASE_DIR / "var"))


# --- Typed environment helpers: a bad value stops start-up with a clear message.

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_float(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def env_rate(name, default):
    """A rate such as "10/h" or "30/5m" (django-ratelimit's syntax); fails loudly when malformed."""
    value = env_str(name, default)
    if not re.fullmatch(r"[1-9][0-9]*/[1-9]?[0-9]*[smhd]", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 10/h or 30/5m, not {value!r}.")
    return value


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core

DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "django-insecure-paperdaily-local-development-only"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY if DEBUG else None)
if not DEBUG and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("With DEBUG off, SECRET_KEY must be a real secret of 32+ characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else ())
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("With DEBUG off, set ALLOWED_HOSTS (comma-separated host names).")
if not DEBUG and "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS='*' is refused with DEBUG off; name the hosts.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth: its changepassword command (which revokes API tokens) wins.
    "recommendations",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "papers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "paperdaily.lib.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET answer and 304 for a matching If-None-Match / If-Modified-Since.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: an answer from the page cache still goes out through all of the above.
    "paperdaily.lib.pagecache.PageCacheMiddleware",
]

ROOT_URLCONF = "paperdaily.urls"
WSGI_APPLICATION = "paperdaily.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: DATABASE_URL (postgres://...) or SQLite under var/ for a first run.

if not os.environ.get("DATABASE_URL"):
    # First run: SQLite, uploads and collected static files all live under var/.
    (VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'paperdaily.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has two writers (the server and the worker). Transactions that
    # take the write lock when they begin wait for each other (up to the timeout) instead of
    # failing with "database is locked" when a reader turns writer; WAL lets pages be read
    # while a write is under way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Search's typo matching (recommendations/reading/search.py, "title %> query"): pg_trgm's default word
    # similarity of 0.6 misses a swapped pair of letters in one word ("Transfromer" is 0.5).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c pg_trgm.word_similarity_threshold=0.5")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Issue entries keep their positions unique with a deferred constraint so that an
# editor can swap two entries in one save. SQLite (the embedded default) cannot
# defer it; PostgreSQL, which production and the test suite use, does.
SILENCED_SYSTEM_CHECKS = ["models.W038"]

# --- Cache and task broker: Redis when REDIS_URL is set, embedded otherwise.

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    _redis_cache = {
        "BACKEND": "paperdaily.lib.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "paperdaily"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    # "reads": issue reads waiting for beat to write them (recommendations/reading/reads.py).
    CACHES = {"default": _redis_cache, "reads": _redis_cache}
else:
    # The embedded default's reads go to files: the web server counts them, the worker's beat writes them.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "reads": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "reads")},
    }

# --- Page cache (paperdaily/lib/pagecache.py): what anonymous readers see, rendered once and
# kept in Redis until anything it shows changes. Off in the embedded default, whose worker is
# another process with a cache of its own.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE", bool(REDIS_URL))
PAGE_CACHE_ALIAS = "default"
# A stored page's life: bounds what changes without a write ("last push 3 days ago").
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# Cache-Control max-age of an anonymous feed, export or API answer, for browsers and shared caches
# (HTML pages are revalidated each time: paperdaily/lib/pagecache.py says why).
PAGE_CACHE_MAX_AGE = env_int("PAGE_CACHE_MAX_AGE", 60)
PAGE_CACHE_MAX_BYTES = 2_000_000
# A write to any of these tables (by prefix) makes every cached page unreachable ...
PAGE_CACHE_TABLES = ("papers_", "recommendations_")
# ... but for these, which no reading page shows.
PAGE_CACHE_IGNORED_TABLES = frozenset(
    {
        "recommendations_subscriber",
        "recommendations_newsletterdelivery",
        "recommendations_follow",
        # A reader's own library, settings, model, picks and digests: pages for them alone.
        "recommendations_libraryitem",
        "recommendations_readersettings",
        "recommendations_readermodel",
        "recommendations_foryoupick",
        "recommendations_digestdelivery",
    }
)
# Query parameters a cached page may carry (what the reading views read); a request with any other,
# or a value longer than 200 characters, is rendered and not stored: a client inventing query
# strings must not fill Redis with copies of the same page.
PAGE_CACHE_QUERY_PARAMETERS = frozenset(
    {"q", "page", "page_size", "area", "tag", "year", "has_code", "issue", "format"}
)
# The views whose anonymous answers are cached (resolver view names).
PAGE_CACHE_VIEWS = frozenset(
    {
        "home",
        "recommendations:issue-list",
        "recommendations:issue-detail",
        "recommendations:recommender-list",
        "recommendations:recommender-detail",
        "papers:paper-detail",
        "papers:tag-list",
        "papers:tag-detail",
        "papers:author-detail",
        "papers:search",
        "feeds:issues-atom",
        "feeds:issues-rss",
        "feeds:tag-atom",
        "feeds:tag-rss",
        "exports:markdown",
        "exports:html",
        "exports:bibtex",
        "api:root",
        "api:issue-list",
        "api:issue-detail",
        "api:paper-list",
        "api:paper-detail",
        "api:tag-list",
        "api:tag-detail",
        "api:area-list",
        "api:recommender-list",
        "api:recommender-detail",
        "api:search",
    }
)

# Celery reads every CELERY_* setting below (see paperdaily/celery.py).
# The hostname means nothing to the file transport; naming one keeps kombu from warning.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
if not REDIS_URL:
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
else:
    # Sending a task tries the broker once (max_retries 0): a web request must not hang for
    # seconds while Redis is down. Nothing is lost: the row stays "pending" and beat's sweeper
    # sends it again. Workers reconnect on their own terms (CELERY_BROKER_CONNECTION_*).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TIMEZONE = "UTC"
# Beat: PostgreSQL is the record of truth, so a lost message or a Redis restart only
# delays a fetch until the sweeper finds the row still pending.
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-metadata": {"task": "papers.sweep_pending", "schedule": 300.0},
    # arXiv papers whose first page is not drawn yet (those the metadata fetch did not send).
    "fetch-missing-thumbnails": {"task": "papers.fetch_missing_thumbnails", "schedule": crontab(hour=4, minute=37)},
    "sweep-decision-emails": {"task": "recommendations.sweep_decision_emails", "schedule": 600.0},
    "publish-due-issues": {"task": "recommendations.publish_due_issues", "schedule": 60.0},
    "sweep-newsletters": {"task": "recommendations.sweep_newsletters", "schedule": 300.0},
    "delete-unconfirmed-accounts": {"task": "recommendations.delete_unconfirmed_accounts", "schedule": 3600.0},
    "flush-issue-reads": {"task": "recommendations.flush_issue_reads", "schedule": 300.0},
    "refresh-recent-repositories": {
        "task": "papers.refresh_recent_repositories",
        "schedule": crontab(hour=3, minute=17),
    },
    "refresh-related-papers": {
        "task": "recommendations.refresh_related_papers",
        "schedule": crontab(hour=2, minute=7),
    },
    # Every reader's "for you" picks, once the night's other refreshes are done.
    # Digests: daily ones each morning, weekly ones on Monday morning; a stalled sending restarted.
    "queue-daily-digests": {
        "task": "recommendations.queue_digests",
        "schedule": crontab(hour=7, minute=3),
        "args": ["daily"],
    },
    "queue-weekly-digests": {
        "task": "recommendations.queue_digests",
        "schedule": crontab(hour=7, minute=13, day_of_week="mon"),
        "args": ["weekly"],
    },
    "sweep-digests": {"task": "recommendations.sweep_digests", "schedule": 300.0},
    "train-for-you": {"task": "recommendations.train_for_you_all", "schedule": crontab(hour=5, minute=23)},
}

# --- Authentication

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "recommendations:mine"
LOGOUT_REDIRECT_URL = "home"
# Password-reset links stay valid for a day.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)
# Seconds after which beat deletes an account signed up but never confirmed (never before its link expires).
PAPERDAILY_UNCONFIRMED_ACCOUNT_TTL = env_int("PAPERDAILY_UNCONFIRMED_ACCOUNT_TTL", 7 * 24 * 3600)

# --- Internationalisation: English and Simplified Chinese UI; content shows as entered.

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static files and uploads

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names after collectstatic (make run, make test, the image), a year's caching for them.
    "staticfiles": {"BACKEND": "paperdaily.lib.staticfiles.StaticFilesStorage"},
}
# Serve files straight from static/ when nobody ran collectstatic, or not since they changed.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- E-mail: EMAIL_URL (smtp://user:pass@host:587/?tls=True) or the console.

_email = dj_email_url.parse(env_str("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PaperDaily <editors@paperdaily.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers (the proxy in front terminates TLS in production).

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Off unless asked for: HSTS is hard to undo once browsers have seen it.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Sub-domains and browsers' preload lists: only for a domain whose every sub-domain speaks HTTPS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): scripts, styles, images and requests from our own origin
# only, and no inline script or style anywhere (admin and API docs included). The few views that
# need more say so with csp.decorators (the HTML export's styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the SVG icons in the admin's and Swagger UI's style sheets.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- External metadata APIs: base URLs can point at a local replay server.
# Workers contact these hosts and no others (papers/sources/http.py enforces it).

PAPERDAILY_ARXIV_API_URL = env_str("PAPERDAILY_ARXIV_API_URL", "https://export.arxiv.org/api/query")
PAPERDAILY_CROSSREF_API_URL = env_str("PAPERDAILY_CROSSREF_API_URL", "https://api.crossref.org")
PAPERDAILY_SEMANTIC_SCHOLAR_API_URL = env_str(
    "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL", "https://api.semanticscholar.org/graph/v1"
)
PAPERDAILY_GITHUB_API_URL = env_str("PAPERDAILY_GITHUB_API_URL", "https://api.github.com")
# GitLab's and Hugging Face's public APIs, asked without a token: public projects, models, datasets, Spaces.
PAPERDAILY_GITLAB_API_URL = env_str("PAPERDAILY_GITLAB_API_URL", "https://gitlab.com/api/v4")
PAPERDAILY_HUGGINGFACE_API_URL = env_str("PAPERDAILY_HUGGINGFACE_API_URL", "https://huggingface.co/api")
# arXiv's PDFs, read only to draw a paper's first page as a thumbnail (papers/thumbnails.py).
PAPERDAILY_ARXIV_PDF_URL = env_str("PAPERDAILY_ARXIV_PDF_URL", "https://arxiv.org/pdf")
GITHUB_TOKEN = env_str("GITHUB_TOKEN", "")
SEMANTIC_SCHOLAR_API_KEY = env_str("SEMANTIC_SCHOLAR_API_KEY", "")
# Crossref's "polite pool" wants a contact address; it also goes into our User-Agent.
PAPERDAILY_CONTACT_EMAIL = env_str("PAPERDAILY_CONTACT_EMAIL", "")
PAPERDAILY_HTTP_CONNECT_TIMEOUT = env_float("PAPERDAILY_HTTP_CONNECT_TIMEOUT", 5.0)
PAPERDAILY_HTTP_READ_TIMEOUT = env_float("PAPERDAILY_HTTP_READ_TIMEOUT", 20.0)
# Seconds a whole request may take, connect to last byte: the read timeout alone lets a trickle run for ever.
PAPERDAILY_HTTP_DEADLINE = env_float("PAPERDAILY_HTTP_DEADLINE", 25.0)
# No metadata answer comes near this; a bigger one is refused rather than read into memory.
PAPERDAILY_HTTP_MAX_BYTES = env_int("PAPERDAILY_HTTP_MAX_BYTES", 5 * 1024 * 1024)
# Per-API request budgets shared by every worker process (the "limits" library's notation).
# arXiv's terms: one request every 3 seconds for a whole site. Crossref's public pool: 5/s.
# Semantic Scholar: 1/s with a key. GitHub: 5,000/hour with a token, 60/hour without.
# GitLab and Hugging Face allow more to anonymous callers; we stay far below, one a second each.
PAPERDAILY_RATE_LIMITS = {
    "arxiv": env_str("PAPERDAILY_ARXIV_RATE_LIMIT", "1 per 3 seconds"),
    "crossref": env_str("PAPERDAILY_CROSSREF_RATE_LIMIT", "5 per second"),
    "semantic_scholar": env_str("PAPERDAILY_SEMANTIC_SCHOLAR_RATE_LIMIT", "1 per second"),
    "github": env_str("PAPERDAILY_GITHUB_RATE_LIMIT", "5000 per hour" if GITHUB_TOKEN else "60 per hour"),
    "gitlab": env_str("PAPERDAILY_GITLAB_RATE_LIMIT", "1 per second"),
    "huggingface": env_str("PAPERDAILY_HUGGINGFACE_RATE_LIMIT", "1 per second"),
}
# Waiting longer than this for a rate-limit slot frees the worker: the task retries later instead.
PAPERDAILY_RATE_LIMIT_MAX_WAIT = env_float("PAPERDAILY_RATE_LIMIT_MAX_WAIT", 30.0)
PAPERDAILY_RATE_LIMIT_STORAGE = REDIS_URL or "memory://"
# First retry of a failed fetch after this many seconds, doubling with each further try.
PAPERDAILY_FETCH_RETRY_BACKOFF = env_float("PAPERDAILY_FETCH_RETRY_BACKOFF", 30.0)
# Retries after a fetch's first try; a row whose tries are all spent is marked failed.
PAPERDAILY_FETCH_MAX_RETRIES = env_int("PAPERDAILY_FETCH_MAX_RETRIES", 6)
# One try of a fetch task: interrupted (error recorded, retried) at the soft limit, its process
# killed at the hard one. A prefork pool enforces both; the solo pool of `make run` neither.
# The sender writes them into each message: give web, worker and beat the same values.
PAPERDAILY_FETCH_SOFT_TIME_LIMIT = env_float("PAPERDAILY_FETCH_SOFT_TIME_LIMIT", 120.0)
PAPERDAILY_FETCH_TIME_LIMIT = env_float("PAPERDAILY_FETCH_TIME_LIMIT", 150.0)
if not 0 < PAPERDAILY_FETCH_SOFT_TIME_LIMIT < PAPERDAILY_FETCH_TIME_LIMIT:
    raise ImproperlyConfigured(
        "PAPERDAILY_FETCH_SOFT_TIME_LIMIT must be above 0 and below PAPERDAILY_FETCH_TIME_LIMIT."
    )
if PAPERDAILY_FETCH_MAX_RETRIES < 0:
    raise ImproperlyConfigured("PAPERDAILY_FETCH_MAX_RETRIES must be 0 or more.")
# Rows still "pending" this long after their last change are enqueued again by beat. It is
# longer than the longest backoff between two tries (16 min), so a fetch waiting for its retry
# is not sent twice; a lost one is sent again within this time plus beat's 5 minutes.
PAPERDAILY_PENDING_SWEEP_AFTER = env_int("PAPERDAILY_PENDING_SWEEP_AFTER", 1200)
# --- Thumbnails of a paper's first page, drawn by a worker from its arXiv PDF.
PAPERDAILY_THUMBNAILS = env_bool("PAPERDAILY_THUMBNAILS", True)
# A PDF bigger than this (after decompression) is not read; most papers are a few megabytes.
PAPERDAILY_PDF_MAX_BYTES = env_int("PAPERDAILY_PDF_MAX_BYTES", 30 * 1024 * 1024)
# Seconds the PDF's whole download may take.
PAPERDAILY_PDF_DEADLINE = env_float("PAPERDAILY_PDF_DEADLINE", 60.0)
# The drawing runs in a child process with this much address space and this many seconds.
PAPERDAILY_THUMBNAIL_MEMORY = env_int("PAPERDAILY_THUMBNAIL_MEMORY", 768 * 1024 * 1024)
PAPERDAILY_THUMBNAIL_TIMEOUT = env_float("PAPERDAILY_THUMBNAIL_TIMEOUT", 20.0)
# Beat refreshes the repositories of issues published within this many days.
PAPERDAILY_REFRESH_RECENT_DAYS = env_int("PAPERDAILY_REFRESH_RECENT_DAYS", 60)

# --- Recommending: what one person may send, and how often (all overridable from env)

PAPERDAILY_WRITEUP_MIN_CHARS = env_int("PAPERDAILY_WRITEUP_MIN_CHARS", 40)
# The model column holds 5,000 characters; a larger setting is capped there.
PAPERDAILY_WRITEUP_MAX_CHARS = min(env_int("PAPERDAILY_WRITEUP_MAX_CHARS", 3000), 5000)
PAPERDAILY_MAX_CODE_LINKS = env_int("PAPERDAILY_MAX_CODE_LINKS", 3)
# Recommendations still waiting for an editor; one more is refused until one is decided.
PAPERDAILY_MAX_PENDING_RECOMMENDATIONS = env_int("PAPERDAILY_MAX_PENDING_RECOMMENDATIONS", 10)
# Figures: the upload's size, its decoded pixel count (decompression bombs), and the sizes kept.
PAPERDAILY_FIGURE_MAX_BYTES = env_int("PAPERDAILY_FIGURE_MAX_BYTES", 5 * 1024 * 1024)
PAPERDAILY_FIGURE_MAX_PIXELS = env_int("PAPERDAILY_FIGURE_MAX_PIXELS", 40_000_000)
# Memory a figure may take decoded: PNG 16 and WebP 8 megapixels at 128 MB (8 and 16 bytes a pixel).
PAPERDAILY_FIGURE_MAX_DECODE_BYTES = env_int("PAPERDAILY_FIGURE_MAX_DECODE_BYTES", 128_000_000)
PAPERDAILY_FIGURE_MAX_SIDE = env_int("PAPERDAILY_FIGURE_MAX_SIDE", 2400)
PAPERDAILY_THUMBNAIL_SIDE = env_int("PAPERDAILY_THUMBNAIL_SIDE", 480)
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Rate limits (django-ratelimit syntax, counted in the cache, so shared through Redis when
# REDIS_URL is set). Only POSTs count: reading the form costs nothing.
PAPERDAILY_RATE_RECOMMEND_USER = env_rate("PAPERDAILY_RATE_RECOMMEND_USER", "10/h")
# Follow and unfollow clicks per reader (private to the reader; no reading page changes).
PAPERDAILY_RATE_FOLLOW_USER = env_rate("PAPERDAILY_RATE_FOLLOW_USER", "120/h")
PAPERDAILY_RATE_LIBRARY_USER = env_rate("PAPERDAILY_RATE_LIBRARY_USER", "600/h")
PAPERDAILY_RATE_FEED_TOKEN_USER = env_rate("PAPERDAILY_RATE_FEED_TOKEN_USER", "20/h")
PAPERDAILY_RATE_RECOMMEND_IP = env_rate("PAPERDAILY_RATE_RECOMMEND_IP", "30/h")
PAPERDAILY_RATE_SIGNUP_IP = env_rate("PAPERDAILY_RATE_SIGNUP_IP", "5/h")
PAPERDAILY_RATE_LOGIN_IP = env_rate("PAPERDAILY_RATE_LOGIN_IP", "20/10m")
# Wrong passwords for one account from any number of addresses (site, admin and API token alike).
PAPERDAILY_RATE_LOGIN_ACCOUNT = env_rate("PAPERDAILY_RATE_LOGIN_ACCOUNT", "20/10m")
PAPERDAILY_RATE_PASSWORD_RESET_IP = env_rate("PAPERDAILY_RATE_PASSWORD_RESET_IP", "5/h")
PAPERDAILY_RATE_PASSWORD_RESET_EMAIL = env_rate("PAPERDAILY_RATE_PASSWORD_RESET_EMAIL", "3/h")
# Sign-ups naming one address: each mails that address (a confirmation, or a note to its owner).
PAPERDAILY_RATE_SIGNUP_EMAIL = env_rate("PAPERDAILY_RATE_SIGNUP_EMAIL", "3/h")
PAPERDAILY_RATE_SUBSCRIBE = env_rate("PAPERDAILY_RATE_SUBSCRIBE", "10/h")
# Password tries on the delete-account form, per signed-in reader.
PAPERDAILY_RATE_ACCOUNT_DELETE_USER = env_rate("PAPERDAILY_RATE_ACCOUNT_DELETE_USER", "10/h")
# Behind a proxy, the client's address is the last hop the proxy appended.
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
# One person on IPv6 usually holds a whole /64.
RATELIMIT_IPV6_MASK = 64

# --- Portal

PAPERDAILY_ISSUES_PER_PAGE = env_int("PAPERDAILY_ISSUES_PER_PAGE", 12)
# Where the portal is reached: e-mails sent by workers (no request at hand) build their links on it.
PAPERDAILY_SITE_URL = env_str("PAPERDAILY_SITE_URL", "http://127.0.0.1:8000")

# --- REST API (/api/): DRF, its OpenAPI schema by drf-spectacular (see paperdaily/lib/api.py)


def env_api_rate(name, default):
    """A rate in DRF's syntax, such as 100/min or 1000/day."""
    value = env_str(name, default)
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 100/min or 1000/day, not {value!r}.")
    return value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's, refusing JSON nested too deep with a 400 (not a RecursionError's 500).
        "paperdaily.lib.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "paperdaily.lib.api.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "paperdaily.lib.api.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "paperdaily.lib.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["paperdaily.lib.api.AnonRateThrottle", "paperdaily.lib.api.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_api_rate("PAPERDAILY_API_RATE_ANON", "120/min"),
        "user": env_api_rate("PAPERDAILY_API_RATE_USER", "600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PaperDaily API",
    "DESCRIPTION": "Published issues, papers, topics and recommenders of PaperDaily; recommending a paper; "
    "and, for editors, assembling and publishing the next issue.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge image from validator.swagger.io (it would send our schema's address there, and
    # the Content-Security-Policy allows images from our own origin only).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Several choice sets share the field name "status": name their schema enums after their models.
    "ENUM_NAME_OVERRIDES": {
        "RecommendationStatusEnum": "recommendations.models.Recommendation.Status",
        "IssueStatusEnum": "recommendations.models.Issue.Status",
        "FollowKindEnum": "recommendations.models.Follow.Kind",
        "PaperLinkKindEnum": "papers.models.PaperLink.Kind",
        "ReasonKindEnum": "recommendations.foryou.reasons.REASON_KINDS",
    },
}

# --- Newsletter: each published issue by e-mail to confirmed subscribers

# Messages one task sends over one SMTP connection; the next batch is the next task.
PAPERDAILY_NEWSLETTER_BATCH_SIZE = env_int("PAPERDAILY_NEWSLETTER_BATCH_SIZE", 100)
if PAPERDAILY_NEWSLETTER_BATCH_SIZE < 1:
    raise ImproperlyConfigured("PAPERDAILY_NEWSLETTER_BATCH_SIZE must be 1 or more.")
# A sign-up repeated within this many seconds sends no second confirmation e-mail.
PAPERDAILY_NEWSLETTER_RESEND_AFTER = env_int("PAPERDAILY_NEWSLETTER_RESEND_AFTER", 300)
# Beat starts an issue's sending again when none of its deliveries moved for this long
# (a killed worker, a lost message); longer than one batch takes, so it rarely doubles a live run.
PAPERDAILY_NEWSLETTER_STALLED_AFTER = env_int("PAPERDAILY_NEWSLETTER_STALLED_AFTER", 600)

# --- For you: recent featured papers ranked for each reader (recommendations/foryou/)
# The pool: papers featured in the last this many published issues, at most this many of them.
PAPERDAILY_FOR_YOU_ISSUES = env_int("PAPERDAILY_FOR_YOU_ISSUES", 26)
PAPERDAILY_FOR_YOU_POOL = env_int("PAPERDAILY_FOR_YOU_POOL", 1000)
# Picks stored per reader, and older featured papers sampled as "the rest" the classifier learns from.
PAPERDAILY_FOR_YOU_PICKS = env_int("PAPERDAILY_FOR_YOU_PICKS", 50)
PAPERDAILY_FOR_YOU_BACKGROUND = env_int("PAPERDAILY_FOR_YOU_BACKGROUND", 1000)

# --- Logging: everything to the console; the process manager keeps it.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # An empty handler list would fall back to logging's last-resort handler; this one drops for real.
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Replaces Django's own handlers for its loggers, so that each record is printed once.
    "loggers": {
        "django": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO"), "propagate": False},
        # Scanners send foreign Host headers all day; the 400 answers them, a traceback each would bury real errors.
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
        # httpx logs every request at INFO; papers.sources.http logs them (without secrets) at DEBUG.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
