"""Settings, all read from the environment with safe local defaults.

Locally everything lives in ``var/``: a SQLite database and a SQLite-backed Celery broker, so
web, worker and beat run with no server. What ``make run`` chose for a checkout is written to
``var/depcal.env`` and read here whenever the environment does not say otherwise, so every
process of the checkout (server, worker, ``python manage.py ...``) uses the same secret key,
site URL and mail settings (``depcal/checkout.py``). Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and SITE_URL (see README).
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from depcal import checkout

BASE_DIR = Path(__file__).resolve().parent.parent
# Reading the settings creates nothing: var/ is made (owner-only: it holds the key, addresses
# and password hashes) by manage.py, `make run` and the tests' setup (checkout.prepare); only a
# DEBUG process's first start, with no key on file, writes one there (checkout.secret_key).
VAR_DIR = checkout.var_dir()
env = environ.Env()
# What `make run` chose for this checkout, under the environment (which wins). The test suite
# (tests/settings.py) makes its own environment and ignores the file.
_CHOSEN = {} if os.environ.get("DEPCAL_IGNORE_CHECKOUT_CONFIG") else checkout.read_config(VAR_DIR)
env.ENVIRON = {**_CHOSEN, **os.environ}

DEBUG = env.bool("DEBUG", default=True)
# No key anybody else knows: from the environment, else this checkout's own (made at random
# on first use when DEBUG is on; production must say which key to use).
SECRET_KEY = env.str("SECRET_KEY", default="") or checkout.secret_key(VAR_DIR, create=DEBUG)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is false and no SECRET_KEY is set: set SECRET_KEY to a long random value "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or use `make run`, "
        f"which keeps one in {VAR_DIR / checkout.SECRET_NAME}.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links (mail, feeds, the API, calendar buttons) start with it; pages link relatively.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
                   ).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "axes",
    "deprecations",
    "notifier",
]

MIDDLEWARE = [
    # First: a repeated request for a public feed is answered from this process's copy of the
    # full answer (headers included) without the rest (depcal/fastpath.py).
    "depcal.fastpath.FeedFastPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Pages compressed, above everything that writes a body (depcal/middleware.py).
    "depcal.middleware.HtmlGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before anything that may answer by itself
    "depcal.middleware.QueryStringMiddleware",  # no control characters in query strings
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the set_language cookie, else Accept-Language; URLs stay the same,
    # and the API and the feeds stay in English (depcal/middleware.py).
    "depcal.middleware.PageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: counts failed admin logins and answers 429 to a locked-out client (django-axes).
    "axes.middleware.AxesMiddleware",
]

# Security. The Content-Security-Policy (django-csp) allows no inline script anywhere: pages,
# the admin and the API docs load scripts and styles from this site only. Style attributes are
# allowed (markup is always escaped, so only templates write them). HSTS goes out on HTTPS
# requests only, so it is harmless on plain HTTP (`make run`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    },
}
CSRF_COOKIE_HTTPONLY = True  # no script needs it: forms carry the token
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Reverse proxies in front of gunicorn, each appending to X-Forwarded-For (0: none, the client
# is REMOTE_ADDR). Rate limits, the API throttle and login lockouts read the client address
# through depcal/clientip.py with this one number; with a proxy, X-Forwarded-Proto tells
# Django whether the client used HTTPS (the proxy must set it, overwriting the client's).
DEPCAL_TRUSTED_PROXIES = env.int("DEPCAL_TRUSTED_PROXIES", default=0)
if DEPCAL_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over HTTPS (directly or behind the proxy): secure cookies, redirect plain HTTP.
DEPCAL_HTTPS = env.bool("DEPCAL_HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = DEPCAL_HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

ROOT_URLCONF = "depcal.urls"
WSGI_APPLICATION = "depcal.wsgi.application"

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'depcal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers and a writer coexist, and
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file, not memory, so a real Celery worker process can see the same data;
    # one per test run, so that runs side by side never share it.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        VAR_DIR / f"test-{os.getpid()}.sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits and rendered feeds live here, so every process must share it: the database
# (`make run` creates the table with createcachetable) unless CACHE_URL says otherwise
# (Redis in production); with DEBUG on (one development process) memory will do.
CACHES = {"default": env.cache(
    "CACHE_URL", default="locmemcache://depcal" if DEBUG else "dbcache://depcal_cache")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin logins (django-axes): after DEPCAL_LOGIN_FAILURES wrong passwords from one client
# address, that address may not log in for DEPCAL_LOGIN_COOLOFF_MINUTES, even with the right
# password. Counted per address, not per user name, so nobody can lock the admin out from
# elsewhere; `manage.py axes_reset` lifts a lockout.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("DEPCAL_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DEPCAL_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "depcal.clientip.client_key"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
# locale/fr/LC_MESSAGES/django.po and its compiled .mo (committed: no gettext at run time).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Per-language date formats (depcal/formats/<lang>/formats.py) over Django's own.
FORMAT_MODULE_PATH = ["depcal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static files: WhiteNoise serves them from gunicorn, no CDN. With DEBUG off (`make run`,
# production) they come from `collectstatic`: hashed names, gzip copies, and a Cache-Control of
# ten years, immutable. With DEBUG on names are plain and files come straight from static/
# through the finders; the tests, which have no collectstatic step, always serve them so
# (tests/conftest.py).
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_MANIFEST = not DEBUG
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: printed to the console locally; SMTP once EMAIL_HOST (or EMAIL_BACKEND) says so.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=(
    "django.core.mail.backends.smtp.EmailBackend" if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend"))
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="depcal <alerts@depcal.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("depcal admins", a) for a in env.list("ADMINS", default=[])]

# Email alerts (notifier/), read where they are used so that tests can override them.
# Sending: rows claimed per batch, how long a claim holds (more than EMAIL_TIMEOUT), attempts
# before giving up on an address, and the first retry's delay (then x4 each time).
NOTIFIER_BATCH_SIZE = env.int("NOTIFIER_BATCH_SIZE", default=100)
NOTIFIER_LEASE_SECONDS = env.int("NOTIFIER_LEASE_SECONDS", default=300)
NOTIFIER_MAX_ATTEMPTS = env.int("NOTIFIER_MAX_ATTEMPTS", default=5)
NOTIFIER_BACKOFF_SECONDS = env.int("NOTIFIER_BACKOFF_SECONDS", default=60)
# Subscribing: one confirm (or lost-links) email per address per interval, how long a confirm
# link works, and subscribe requests per client address per hour.
NOTIFIER_CONFIRM_INTERVAL = env.int("NOTIFIER_CONFIRM_INTERVAL", default=3600)
NOTIFIER_CONFIRM_MAX_AGE = env.int("NOTIFIER_CONFIRM_MAX_AGE", default=3 * 24 * 3600)
# Manage and unsubscribe links in emails work this long (every email carries fresh ones).
NOTIFIER_LINK_MAX_AGE = env.int("NOTIFIER_LINK_MAX_AGE", default=365 * 24 * 3600)
NOTIFIER_IP_LIMIT_PER_HOUR = env.int("NOTIFIER_IP_LIMIT_PER_HOUR", default=10)
# Confirmation requests per mailbox per day, however its address is spelled (notifier.limits).
NOTIFIER_MAILBOX_LIMIT_PER_DAY = env.int("NOTIFIER_MAILBOX_LIMIT_PER_DAY", default=3)
# Alert channels (notifier/channels): webhooks and chat services. Each connect and read, one
# whole message (the sockets are shut at its deadline), and whether private and loopback
# addresses may be reached (tests, an intranet), as DEPCAL_FETCH_ALLOW_PRIVATE is for sources.
DEPCAL_CHANNELS_TIMEOUT = env.float("DEPCAL_CHANNELS_TIMEOUT", default=10.0)
DEPCAL_CHANNELS_DEADLINE = env.float("DEPCAL_CHANNELS_DEADLINE", default=30.0)
DEPCAL_CHANNELS_ALLOW_PRIVATE = env.bool("DEPCAL_CHANNELS_ALLOW_PRIVATE", default=False)
# The watch-list API (PUT /api/v1/watchlist): requests per client.
DEPCAL_WATCHLIST_RATE = env.str("DEPCAL_WATCHLIST_RATE", default="30/hour")

# Celery: a SQLite-backed broker by default, so a real worker runs with no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL",
                            default=f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}")
# Results are kept only for the few tasks that ask (ping, for health checks).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND",
                                default=f"db+sqlite:///{VAR_DIR / 'results.sqlite3'}")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "deprecations.tasks.fetch_source": {"queue": "fetch"},
    # Webhooks and chats wait on hosts others chose: the fetch worker takes them, so a slow
    # receiver never delays email.
    "notifier.tasks.send_channel_messages": {"queue": "channels"},
    "notifier.tasks.*": {"queue": "mail"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Collection.
# An honest User-Agent: who we are and where to find the running instance.
DEPCAL_USER_AGENT = env.str("DEPCAL_USER_AGENT",
                            default=f"depcal/0.1 (deprecation calendar; +{SITE_URL}/)")
DEPCAL_FETCH_TIMEOUT = env.float("DEPCAL_FETCH_TIMEOUT", default=20.0)  # each connect, each read
# The whole fetch of one source, retries and redirects included: a server that sends a byte a
# second is cut off here.
DEPCAL_FETCH_DEADLINE = env.float("DEPCAL_FETCH_DEADLINE", default=90.0)
DEPCAL_FETCH_MAX_BYTES = env.int("DEPCAL_FETCH_MAX_BYTES", default=5 * 1024 * 1024)
DEPCAL_FETCH_ALLOW_PRIVATE = env.bool("DEPCAL_FETCH_ALLOW_PRIVATE", default=False)
DEPCAL_FETCH_RETRIES = env.int("DEPCAL_FETCH_RETRIES", default=3)
DEPCAL_FETCH_ON_START = env.bool("DEPCAL_FETCH_ON_START", default=True)

# Every task has a time limit: at the soft one the task is interrupted and records what it can
# (a fetch saves a failed run); at the hard one its worker process is replaced. Mail rows
# claimed by a killed sender are taken up again after their lease (notifier.mail).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("DEPCAL_TASK_SOFT_TIME_LIMIT", default=50 * 60)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 5 * 60
CELERY_TASK_ANNOTATIONS = {
    # The fetch's own deadline comes first; parsing and reconciling get a few minutes more.
    "deprecations.tasks.fetch_source": {"soft_time_limit": int(DEPCAL_FETCH_DEADLINE) + 180,
                                        "time_limit": int(DEPCAL_FETCH_DEADLINE) + 240},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Link and feed tokens never reach the log (depcal/logs.py).
    "filters": {"redact_tokens": {"()": "depcal.logs.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A fetch's retries are summed up in one line per source by the collector.
        "urllib3.connectionpool": {"level": "ERROR"},
        "axes.apps": {"level": "WARNING"},  # its start-up banner, in every manage.py command
    },
}

# The JSON API (/api/v1/, deprecations/api) and the Atom feed: read-only, open to any origin,
# rate-limited per client address (DRF throttling, counted in the shared default cache; the
# address from depcal/clientip.py).
DEPCAL_API_RATE = env.str("DEPCAL_API_RATE", default="120/minute")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only: ?format= is not a way to pick another renderer (or a 404 page).
    "URL_FORMAT_OVERRIDE": None,
}
# The iCal and Atom feeds: requests per client, and renders of a filter not in the cache
# (the costly part, ~200 ms each) per client. Calendar apps poll every few hours.
DEPCAL_FEED_RATE = env.str("DEPCAL_FEED_RATE", default="60/minute")
DEPCAL_FEED_RENDER_RATE = env.str("DEPCAL_FEED_RENDER_RATE", default="10/minute")
# Seconds a web process keeps the catalogue version it read (deprecations/version.py): a change
# made by another process shows in feeds within this time, by the same process at once.
DEPCAL_CATALOGUE_VERSION_MEMO = env.float("DEPCAL_CATALOGUE_VERSION_MEMO", default=2.0)
SPECTACULAR_SETTINGS = {
    "TITLE": "depcal API",
    "DESCRIPTION": "Read-only retirement dates of hosted AI models and APIs. Every GET answers "
                   "with an ETag (send If-None-Match for a 304); errors are JSON.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The docs page's assets come from this site (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OfferingKindEnum": "deprecations.models.Offering.Kind",
        "ChangeKindEnum": "deprecations.models.Change.Kind",
    },
}
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api/|changes\.atom$)"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

# Pin "today" for the whole site (demos, page tests); unset in production.
DEPCAL_TODAY = env.str("DEPCAL_TODAY", default="") or None

# Periodic jobs. django-celery-beat copies these into its tables at start, where the admin
# shows them (its "Periodic tasks" page); intervals below are the defaults.
CELERY_BEAT_SCHEDULE = {
    "refresh-statuses": {"task": "deprecations.tasks.refresh_statuses", "schedule": 3600.0},
    # Cheap when nothing is due (one query): each source has its own interval
    # (deprecations.sources.collect.interval), so this tick adds at most 30 s to news.
    "fetch-due-sources": {"task": "deprecations.tasks.fetch_all", "schedule": 30.0},
    # Email (the mail queue). Idempotent: the ledger makes a second run for a day send nothing.
    # Change emails go out right after a change commits (notifier.apps); send-alerts is the
    # safety net for them.
    "send-alerts": {"task": "notifier.tasks.send_alerts", "schedule": 3600.0},
    "send-digests": {"task": "notifier.tasks.send_digests", "schedule": 3600.0},
    "send-pending-mail": {"task": "notifier.tasks.send_pending", "schedule": 60.0},
    # Alert channels: what the runs above told subscribers, to their webhooks and chats, and
    # the retries (notifier.channels.deliver).
    "send-channel-messages": {"task": "notifier.tasks.send_channel_messages",
                              "schedule": 60.0},
}
