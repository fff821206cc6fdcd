"""Settings for the spa project, read from the environment.

Every variable is listed in ``.env.example`` and the README. The defaults run a fresh clone:
SQLite under ``var/``, Celery on kombu's filesystem transport under ``var/celery/``, email
written as files under ``var/mail/``.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.csp import CSP

from spa.lib.cache import redis_cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: `make run` (development) sets DEBUG=true, a deployment leaves it unset.
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-dev-only-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links (emails, .ics, the Messages page): by default the address `make run` serves on.
_PORT = env.int("PORT", default=8000)  # the port `make run` serves on (Procfile)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{_PORT}").rstrip("/")
SPA_NAME = env.str("SPA_NAME", default="Lumen Skin Studio")
# How clients reach the spa: shown in the footer, on screening pages, confirmations and .ics files.
SPA_PHONE = env.str("SPA_PHONE", default="+44 20 7946 0321")
SPA_EMAIL = env.str("SPA_EMAIL", default="hello@demo.spa")
SPA_PHONE_REGION = env.str("SPA_PHONE_REGION", default="GB")  # how numbers without +country are read
SPA_ADDRESS = env.str("SPA_ADDRESS", default="12 Linden Mews, London W2 4QH")

# --- Database ---------------------------------------------------------------------------
if DEBUG:
    # Development writes its database, mail, SMS and broker files under var/. Outside
    # development the settings create no folder: a deployment sets DATABASE_URL, REDIS_URL and
    # the paths (docs/deploy.md).
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'spa.sqlite3'}"),
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if not IS_POSTGRES:
    # SQLite has one writer. BEGIN IMMEDIATE takes the write lock when a transaction starts,
    # so two bookings of one slot are serialised instead of both reading "free" (no exclusion
    # constraints on SQLite). The timeout lets a waiting writer queue rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications -------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files: the CSP allows only 'self'
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    # The same apps on every database: PostgreSQL's own features (scheduling's exclusion
    # constraints) are plain SQL in migrations that do nothing on SQLite.
    "django.contrib.postgres",
    "axes",
    "treatments",
    "clients",
    "scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it inspects the response of failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spa.urls"
WSGI_APPLICATION = "spa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "spa.context_processors.spa",
            ],
        },
    },
]

# --- People -------------------------------------------------------------------------------
AUTH_USER_MODEL = "clients.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: five failed logins from one email+IP lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# How many proxies of ours stand in front of gunicorn (docs/deploy.md). 0: X-Forwarded-For is
# ignored. N: the N-th address from its right is the client's. Throttles and lockouts use it.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "spa.lib.ip.client_ip"

# --- Time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("SPA_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
if DEBUG:
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")  # private: served by views only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email (Django 6.1 MAILERS; never mix with the old EMAIL_* settings) ------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SPA_NAME} <hello@demo.spa>")
if env.str("SMTP_URL", default=""):
    _smtp = env.email_url("SMTP_URL")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp["EMAIL_HOST"],
                "port": _smtp["EMAIL_PORT"],
                "username": _smtp["EMAIL_HOST_USER"],
                "password": _smtp["EMAIL_HOST_PASSWORD"],
                "use_tls": _smtp.get("EMAIL_USE_TLS", False),
                "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail"))},
        }
    }

# SMS: a dotted path to a backend class with ``send(*, to, body)``; the default writes files.
SMS_BACKEND = env.str("SMS_BACKEND", default="spa.lib.sms.FileSMSBackend")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms")

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # kombu's filesystem transport: a real broker on one machine with no Redis. Same absolute
    # folder in and out (PITFALLS.md), created up front.
    _broker_dir = VAR_DIR / "celery" / "queue"
    if DEBUG:
        for _folder in (_broker_dir, VAR_DIR / "celery" / "processed", VAR_DIR / "celery" / "control"):
            _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast (pidbox) messages; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# All periodic schedules live here. The outbox sweeper runs every minute: it claims due
# notification rows and reclaims rows stuck in `sending` (a worker killed mid-send).
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-notifications": {
        "task": "scheduling.tasks.dispatch_due_notifications",
        "schedule": 60.0,
    },
    "forget-old-idempotency-keys": {
        "task": "scheduling.tasks.forget_old_idempotency_keys",
        "schedule": 3600.0,
    },
}

# --- The spa's rules that are settings rather than admin-edited rows ----------------------
SPA_SLOT_STEP_MINUTES = 15
SPA_MIN_NOTICE_HOURS = env.int("SPA_MIN_NOTICE_HOURS", default=2)
SPA_HORIZON_DAYS = env.int("SPA_HORIZON_DAYS", default=180)
# Rest between two needlings of an overlapping area when either is outside a plan (weeks).
SPA_NEEDLING_MIN_WEEKS = env.int("SPA_NEEDLING_MIN_WEEKS", default=4)
# Idempotency keys (and booking form tokens) are remembered this long.
SPA_IDEMPOTENCY_KEEP_HOURS = 48
SPA_CANCELLATION_CUTOFF_HOURS = env.int("SPA_CANCELLATION_CUTOFF_HOURS", default=24)
SPA_INTAKE_VALIDITY_DAYS = env.int("SPA_INTAKE_VALIDITY_DAYS", default=183)
SPA_MIN_AGE_YEARS = 18
SPA_QUIET_HOURS = (21, 8)  # no SMS from 21:00 to 08:00 local
SPA_OUTBOX_BATCH_SIZE = 200
# A message left in `sending` this long (its worker died) is reclaimed and sent again.
SPA_OUTBOX_STUCK_AFTER_SECONDS = env.int("SPA_OUTBOX_STUCK_AFTER_SECONDS", default=300)
SPA_OUTBOX_MAX_ATTEMPTS = 5

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "spa.lib.schema.PagedAutoSchema",
    "EXCEPTION_HANDLER": "spa.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
        "booking": env.str("THROTTLE_BOOKING", default="30/min"),
    },
    # Every list pages in headers (Link, X-Total-Count) and keeps its body (spa/lib/pagination.py).
    "DEFAULT_PAGINATION_CLASS": "spa.lib.pagination.HeaderPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # None would key anonymous throttles on the raw X-Forwarded-For header: anyone could steer it.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SPA_NAME} API",
    "DESCRIPTION": "Booking and treatment plans for skin needling.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several serializers share.
    "ENUM_NAME_OVERRIDES": {"AppointmentStatusEnum": "scheduling.models.Appointment.Status"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "spa.api_schema.add_error_responses"],
}
# The cache: CACHE_URL when it is set (with or without REDIS_URL, which then stays the broker);
# else the Redis of REDIS_URL; else this process's memory.
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif REDIS_URL:
    # Fail-open: a Redis outage costs the cache (throttles, availability answers), never a booking.
    CACHES = {"default": redis_cache_settings(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -----------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
