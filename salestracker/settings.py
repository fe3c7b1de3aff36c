"""Settings for the sales activity tracker.

Every value comes from the environment, with defaults that are safe for a
developer's machine (the "embedded default": SQLite, eager Celery, DEBUG on).
Production only tightens them; see README.md for the full list.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

# The development key is only ever accepted while DEBUG is on.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "health_check",
    "accounts",
    "pipeline",
    "activities",
    "quotas",
    "dashboards",
    "forecast",
    "insights",
    "portfolio",
    "trends",
    "api",
    "feeds",
    # django-ninja's API docs page, served from its own static files (no CDN: the CSP allows none).
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside all that queries (the session saves on the way out): a lost database connection is retried, or a 503.
    "salestracker.middleware.DatabaseRetryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the sign-in is known: a signed-in person's chosen language wins over cookie and browser.
    "accounts.middleware.UserLanguageMiddleware",
    "salestracker.security.no_store_when_signed_in",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "salestracker.security.session_timeouts",
    "quotas.middleware.OrgTimeZoneMiddleware",
    # An Http404 from a view renders templates/404.html even with DEBUG on (salestracker/errors.py).
    "salestracker.errors.views_raise_styled_404",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salestracker.urls"
WSGI_APPLICATION = "salestracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.refresh_alert",
            ],
        },
    },
]

# SQLite file for the embedded default; PostgreSQL when DATABASE_URL is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A kept connection that the server closed (a restart) is replaced before a request's first query.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads or processes write the embedded database at once: take the
    # write lock when a transaction starts (a lock upgrade mid-transaction fails
    # at once with "database is locked"), wait up to 20 s for it, and let readers
    # run beside the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The dashboard tables' covering keys (dashboards/models.py: ActivityDay and StageRollup's unique
    # constraints, ClosedDay's index, each with INCLUDE columns) are for PostgreSQL's index-only scans.
    # SQLite has no INCLUDE: it builds ClosedDay's index on the key columns alone (W040) and skips the
    # two unique constraints (W039). Nothing relies on them there: the rollup engine deletes a key's
    # rows before inserting them, under SQLite's one writer at a time. Only these two checks, only on
    # SQLite; tests/test_system_checks.py fails if any other model starts raising them.
    SILENCED_SYSTEM_CHECKS = ["models.W039", "models.W040"]
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # The planner's default cost of a random page read (4, from spinning disks) makes it hash a
    # whole table where an index finds the few rows a page needs (measured in bench/RESULTS.md). With
    # the data in memory or on SSD a random read costs about a sequential one. PG_RANDOM_PAGE_COST=""
    # keeps the server's own setting (behind a pooler that rejects startup options, set it there).
    random_page_cost = env.str("PG_RANDOM_PAGE_COST", default="1.1")
    if random_page_cost:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", f"-c random_page_cost={random_page_cost}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
# sign-in whatever the activity (salestracker/security.py enforces both).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_AGE = int(env.float("SESSION_MAX_HOURS", default=12) * 3600)
SESSION_ENGINE = "salestracker.sessions"

# Repeated failed logins: locked out per username and address for a while, and a whole
# address once it fails AXES_ADDRESS_FAILURE_LIMIT times over any usernames (password
# spraying); a few typos in a shared office stay far below that.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_HANDLER = "salestracker.security.AxesAddressHandler"
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
# Each language's own name, untranslated, so a reader finds theirs whatever the page's language.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("nl", "Nederlands"), ("ro", "Română")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["salestracker.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# Phone numbers typed without a country code (+…) are read as numbers of this country (ISO 3166).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US")

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages installed from the npm registry by `make` (package.json pins them).
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules/chart.js/dist"),
    ("vendor/sortablejs", BASE_DIR / "node_modules/sortablejs"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
# Vendor bundles reference source maps that are not always shipped.
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="salestracker@localhost")

# Cache: the dashboards' rendered figures (dashboards/figure_cache.py, exact keys, so any
# backend is correct), the stale thresholds and the organisation's time zone. Per process
# by default; a Redis database of its own in production, shared by every worker (not the
# broker's: clearing the cache must not drop queued tasks).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":  # CACHE_URL=redis://...
    # A cache outage degrades to the database: django-redis answers every read as a miss and
    # drops every write, logging each failure, instead of failing the request. Refused
    # connections fail at once and redis-py does not retry them (no retry on a URL pool);
    # the short timeouts bound what a hung Redis costs each cache call.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
    )
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Celery: a Redis broker in production; in the embedded default (no REDIS_URL)
# tasks run eagerly, in-process, right after the request's commit.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# An enqueue fails fast: short socket timeouts (a hung Redis costs about two seconds, not a
# minute) and one immediate retry, which reconnects a pooled connection Redis dropped on a restart.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The worker's consumer and beat (the only readers of this setting) reconnect forever, backing
# off up to 30 s, and never exit on a broker outage; see salestracker/celery.py for the catch-up.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    # Task time, retries and countdowns stay well below this, or tasks run twice.
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Admins see a banner, and /health/ fails, once a dashboard change has waited this long.
ROLLUP_LAG_ALERT_MINUTES = env.int("ROLLUP_LAG_ALERT_MINUTES", default=10)
# The one beat schedule: each entry says when it runs and why.
CELERY_BEAT_SCHEDULE = {
    # Every minute: recompute keys whose enqueued refresh never ran (the broker
    # was down at the writer's commit, or a worker died before acking), and send
    # again a time zone change's job that was lost (it holds every refresh off).
    "drain-rollups": {"task": "dashboards.tasks.drain_rollups", "schedule": 60.0},
    # Nightly, in the quiet hours: everything from scratch, so no drift can last a day.
    "rebuild-rollups": {
        "task": "dashboards.tasks.rebuild_rollups",
        "schedule": crontab(hour=3, minute=15),
    },
    # Nightly, after the rebuild: record the rewards earned in the periods that closed, from its figures.
    "record-earned-rewards": {"task": "quotas.tasks.record_earned_rewards", "schedule": crontab(hour=4, minute=0)},
    # Hourly: forget the create forms' one-time keys older than a day (a retry comes within minutes).
    "expire-submission-keys": {"task": "accounts.tasks.expire_submissions", "schedule": crontab(minute=40)},
    # Hourly: forget the API's idempotency keys older than a day (a dialer retries within minutes).
    "expire-idempotency-keys": {"task": "api.tasks.expire_idempotency_keys", "schedule": crontab(minute=45)},
}

# Production hardening: applies whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health endpoint over plain HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp; Django 5.2 has none of its own): scripts, styles and
# fonts only from our own static files, so injected markup can never run script. Pages keep
# no inline script, event handler or style attribute; htmx runs without eval (base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws its form controls' icons from data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if env.bool("TESTING", default=False):
    # Fast tests: a cheap hasher and mail kept in memory.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
