"""Settings for the MS trial finder, read from the environment (django-environ).

The operator contract is five variables: ``DEBUG``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL`` and ``REDIS_URL``. With none of them set the service runs on SQLite at
``db.sqlite3`` with Celery tasks run inline and a local-memory cache; with ``DEBUG`` off
it refuses to start without a real ``SECRET_KEY``. Everything else has a safe default and
is documented in ``docs/operations.md``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a real secret when DEBUG is off "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "corsheaders",
    "finder",
    "sites",
    "eligibility",
    "match",
    "fhir_api",
    "partners",
    "privacy",
    "notifications",
    "referrals",
    "watches",
]

MIDDLEWARE = [
    # Outermost: sees every answer, so each refused request is logged once, briefly.
    "config.middleware.OneLogLineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that can answer on its own (413, 503, 404), so those carry CORS too.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A staff member's admin forms may post more fields than anyone else's (CSRF reads
    # request.POST in its view hook, after this).
    "config.middleware.StaffAdminFormFieldsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# Database: SQLite by default, PostgreSQL (psycopg 3) through DATABASE_URL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
    )
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis through REDIS_URL, otherwise in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        # The pages' fragments: a miss, not an error, while Redis is down.
        "fragments": {
            "BACKEND": "config.cache.FragmentCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
        },
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 1}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Sessions live in the database so any web process can continue a questionnaire.
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Locked out is a user name *from* an address, both together: a coordinator's failures do
# not lock out colleagues behind the same hospital NAT, nor that user elsewhere.
# Operators unlock with `manage.py axes_reset_username <name>` (docs/operations.md).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address as the API's rate limits see it (API_NUM_PROXIES decides).
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "referrals.accounts.axes_username"
AXES_SENSITIVE_PARAMETERS = ["password", "name", "email", "phone"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Español"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Email: console by default; SMTP through EMAIL_URL (smtp://user:pass@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MS Trial Finder <no-reply@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Security headers. HSTS and secure cookies only when served over HTTPS (DEBUG off).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
#: API bodies nest at most this deep (a FHIR Bundle with nested extensions needs about 12).
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only: the browsable documentation is Swagger UI at /api/v1/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.PartnerApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "config.api.problem_exception_handler",
    # Counters in the default cache; the throttles fail open when it is down.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonymousCallerThrottle",
        "config.throttling.PartnerKeyThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANON", default="60/minute"),
        "partner": env.str("API_RATE_PARTNER", default="1200/minute"),
        # Requests with an unknown, revoked or expired key, per client address: 429
        # instead of 401 beyond it (counted by partners.authentication).
        "bad_key": env.str("API_RATE_BAD_KEY", default="20/minute"),
    },
    # Reverse proxies in front of the app: 0 trusts only REMOTE_ADDR (X-Forwarded-For
    # cannot be forged to get a fresh anonymous quota); set 1 behind one proxy.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# CORS (django-cors-headers): partners' browser widgets may call the API from the origins
# listed (scheme and host, e.g. https://widget.example.org); only under /api/, preflight
# answered by the middleware. Keys travel in a header, so no cookies are allowed.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    *default_cors_headers,
    "if-none-match",
    "if-modified-since",
    "idempotency-key",
)
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Location", "Retry-After", "WWW-Authenticate"]
CORS_PREFLIGHT_MAX_AGE = 3600

SPECTACULAR_SETTINGS = {
    "TITLE": "MS Trial Finder API",
    "DESCRIPTION": (
        "Trials, sites and eligibility for multiple sclerosis clinical trials, and the same "
        "catalog as FHIR R4 ResearchStudy resources. Anonymous callers may read at a low "
        "rate; partners send `Authorization: Api-Key <key>` for a higher one. Every error "
        "is problem details (RFC 9457), or an OperationOutcome on the FHIR endpoints. "
        "See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The answer keys appear in several places (questions, "missing"): one enum for all.
    "ENUM_NAME_OVERRIDES": {"AnswerKeyEnum": "eligibility.schema.ANSWER_KEYS"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.add_error_responses",
        "fhir_api.schema.add_research_study_match_path",
    ],
}

# Geocoding: the offline gazetteer always; a geopy geocoder when GEOCODER is set.
GEOCODER = env.str("GEOCODER", default="")  # "" (offline only) or "nominatim"
GEOCODER_MODE = env.str("GEOCODER_MODE", default="fallback")  # "fallback" or "primary"
GEOCODER_USER_AGENT = env.str(
    "GEOCODER_USER_AGENT", default="ms-trial-finder/1.0 (operations contact not configured)"
)
GEOCODER_TIMEOUT = env.float("GEOCODER_TIMEOUT", default=3.0)

CTGOV_API_URL = env.str("CTGOV_API_URL", default="https://clinicaltrials.gov/api/v2/studies")
CTGOV_TIMEOUT = env.float("CTGOV_TIMEOUT", default=20.0)
# Conditions whose site tree gunicorn's master builds before it forks, so every worker
# shares it (sites/index.py); others are built by a worker on first use.
SITES_INDEX_WARM_CONDITIONS = tuple(
    env.list("SITES_INDEX_WARM_CONDITIONS", default=["multiple sclerosis"])
)

# Personal data: Fernet keys, newest first, comma separated. A development key is
# derived from SECRET_KEY only while DEBUG is on or in tests.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
REFERRAL_RETENTION_DAYS = env.int("REFERRAL_RETENTION_DAYS", default=90)
# A referral to a site whose team never joined (nobody there was ever told) is erased
# this many days after it was sent: its details are not kept for a team that may never come.
REFERRAL_UNCLAIMED_RETENTION_DAYS = env.int("REFERRAL_UNCLAIMED_RETENTION_DAYS", default=180)
# Anonymous screenings (answers and results, encrypted) that no referral points at are
# erased once a patient's session cannot need them any more: after its age by default.
SCREENING_RETENTION_SECONDS = env.int("SCREENING_RETENTION_SECONDS", default=SESSION_COOKIE_AGE)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request lines carry only paths (answers never go into URLs).
        "django.request": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Periodic tasks (Celery beat) and the sign-in lockout page ------------------------------
# Pending notifications of the outbox (e.g. queued while Redis was down) are retried every
# minute; a referral's contact details, notes and health answers are erased hourly once
# REFERRAL_RETENTION_DAYS have passed since it closed (and the partners' Idempotency-Keys
# once their 24 hours are over), anonymous screenings hourly once
# SCREENING_RETENTION_SECONDS have, and expired sessions (a patient's answers, in clear)
# hourly (Django's SessionStore.clear_expired, as `manage.py clearsessions`). The
# referrals-* entries and task names predate the notifications app: beat keeps them in the
# database (django-celery-beat), so they stay as they are.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "referrals-outbox-deliver-pending": {
        "task": "referrals.tasks.outbox_deliver_pending",
        "schedule": env.float("REFERRAL_OUTBOX_RETRY_SECONDS", default=60.0),
    },
    "referrals-erase-expired-contacts": {
        "task": "referrals.tasks.referral_contacts_erase_expired",
        "schedule": timedelta(hours=1),
    },
    "eligibility-erase-expired-screenings": {
        "task": "eligibility.tasks.screenings_erase_expired",
        "schedule": timedelta(hours=1),
    },
    "sessions-clear-expired": {
        "task": "eligibility.tasks.sessions_clear_expired",
        "schedule": timedelta(hours=1),
    },
    # The registry sync fetches only the studies updated since the last one (daily by
    # default); the watchlist then computes and queues the alerts (hourly: each watch gets
    # one digest a day at most) and erases what it no longer needs (docs/watches.md).
    "finder-sync-ctgov": {
        "task": "finder.tasks.sync_ctgov_task",
        "schedule": env.float("CTGOV_SYNC_SECONDS", default=24 * 3600.0),
        "kwargs": {"condition": "multiple sclerosis", "changed_only": True},
    },
    "watches-send-alerts": {
        "task": "watches.tasks.watch_alerts_send",
        "schedule": env.float("WATCH_ALERTS_SECONDS", default=3600.0),
    },
    "watches-erase-expired": {
        "task": "watches.tasks.watches_erase_expired",
        "schedule": timedelta(hours=1),
    },
}
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
