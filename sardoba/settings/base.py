"""Settings shared by every environment.

Every value comes from the environment under the variable names of
`domain-rules.md` §16. The defaults run with no services at all: SQLite, the
local-memory cache and the in-memory channel layer.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# GENERAL ------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="insecure-development-secret-key-do-not-use-in-production",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])

INSTALLED_APPS = [
    "daphne",
    # Django admin on the Sardoba site (sardoba.admin_site.SardobaAdminSite).
    "sardoba.admin_apps.SardobaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "sardoba",
    "accounts",
    "cashback",
    "news",
    "catalog",
    "notifications",
]

MIDDLEWARE = [
    "sardoba.api.middleware.RequestIdMiddleware",
    "sardoba.api.middleware.CanonicalPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's CSS/JS) from the ASGI process: daphne serves none.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sardoba.api.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sardoba.admin_site.AdminLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Trailing slashes are handled by CanonicalPathMiddleware (served, never redirected).
APPEND_SLASH = False

ROOT_URLCONF = "sardoba.urls"
ASGI_APPLICATION = "sardoba.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sardoba" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("uz", "O‘zbekcha"), ("en", "English")]
TIME_ZONE = "Asia/Tashkent"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default="") or BASE_DIR / "media")
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PUBLIC_API_URL = env("PUBLIC_API_URL", default="").rstrip("/")
CORS_ORIGINS = env.list("CORS_ORIGINS", default=[])
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# DATABASES ----------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads and the ASGI loop share one file: wait for locks instead of
    # failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a check of a reused connection that skips the
        # `SELECT 1` round trip when the connection is idle and its socket silent.
        DATABASES["default"]["ENGINE"] = "sardoba.db.postgresql"
    # DATABASE_PREPARED_READS (new): the hot reads of `sardoba.compiled_reads`
    # run as prepared statements, parsed and planned once per connection: about
    # half of each one's time (docs/PERFORMANCE.md, round 4). Django's own
    # cursors bind on the client and never prepare. Turn it off behind a
    # connection pooler in transaction mode, which cannot keep them.
    if env.bool("DATABASE_PREPARED_READS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "prepare_threshold", 5
        )
    # DATABASE_POOL (new): psycopg's connection pool (Django >= 5.1) for ASGI
    # processes, where a kept connection (CONN_MAX_AGE) would leak with every
    # request thread and a fresh one per database call is the largest cost of a
    # WebSocket broadcast (docs/PERFORMANCE.md §3). Off by default.
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
            "timeout": 10,
        }

# CACHES / CHANNEL_LAYERS ----------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")


def _redis_db_url(url: str, db: int) -> str:
    """Return `url` pointed at Redis database number `db`."""
    base, _, _ = url.partition("?")
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{db}"


REDIS_CACHE_DB = env.int("REDIS_CACHE_DB", default=0)
REDIS_CHANNELS_DB = env.int("REDIS_CHANNELS_DB", default=1)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _redis_db_url(REDIS_URL, REDIS_CACHE_DB),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="sardoba"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's layer on a blocking connection pool: a burst of
            # sockets joining their groups waits for a connection instead of
            # failing with MaxConnectionsError (sardoba/channel_layer.py).
            "BACKEND": "sardoba.channel_layer.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, which cuts
                # the layer's 5 s blocking BZPOPMIN and kills idle consumers (1011
                # every ~5 s; django/channels_redis#422): allow the block to end.
                "hosts": [
                    {
                        "address": _redis_db_url(REDIS_URL, REDIS_CHANNELS_DB),
                        "socket_timeout": 15,
                        "socket_connect_timeout": 5,
                    }
                ],
                "prefix": env("CHANNELS_PREFIX", default="sardoba"),
                "pool_max_connections": env.int(
                    "REDIS_CHANNELS_POOL_MAX_SIZE", default=100
                ),
                "pool_timeout": env.float("REDIS_CHANNELS_POOL_TIMEOUT", default=10.0),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sardoba",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# AUTH ----------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.Staff"
AUTHENTICATION_BACKENDS = ["accounts.backends.StaffPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 6},
    },
]

# REST_FRAMEWORK -------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "sardoba.api.exception_handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sardoba API",
    "DESCRIPTION": "Mobile and staff API of the Sardoba cashback programme.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}
API_DOCS_ENABLED = env.bool("API_DOCS_ENABLED", default=True)

# JWT ------------------------------------------------------------------------------

JWT_SECRET_KEY = env("JWT_SECRET_KEY", default="insecure-dev-access-key-change-me")
JWT_REFRESH_SECRET_KEY = env(
    "JWT_REFRESH_SECRET_KEY", default="insecure-dev-refresh-key-change-me"
)
ACCESS_TOKEN_EXPIRE_MINUTES = env.int("ACCESS_TOKEN_EXPIRE_MINUTES", default=30)
REFRESH_TOKEN_EXPIRE_DAYS = env.int("REFRESH_TOKEN_EXPIRE_DAYS", default=14)
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_EXPIRE_DAYS),
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": None,
    "JTI_CLAIM": None,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# OTP ------------------------------------------------------------------------------

OTP_LENGTH = env.int("OTP_LENGTH", default=4)
OTP_EXPIRATION_MINUTES = env.int("OTP_EXPIRATION_MINUTES", default=5)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
OTP_RESEND_COOLDOWN_SECONDS = env.int("OTP_RESEND_COOLDOWN_SECONDS", default=60)
OTP_RATE_LIMIT_PER_HOUR = env.int("OTP_RATE_LIMIT_PER_HOUR", default=5)
OTP_IP_RATE_LIMIT_PER_HOUR = env.int("OTP_IP_RATE_LIMIT_PER_HOUR", default=20)
OTP_RATE_LIMIT_BYPASS_PHONES = env.list("OTP_RATE_LIMIT_BYPASS_PHONES", default=[])
OTP_STATIC_CODE = env("OTP_STATIC_CODE", default="")
DEMO_PHONE = env("DEMO_PHONE", default="")
OTP_DEMO_CODE = env("OTP_DEMO_CODE", default="1111")
OTP_RETENTION_DAYS = env.int("OTP_RETENTION_DAYS", default=7)
LOGIN_RATE_LIMIT_PER_WINDOW = env.int("LOGIN_RATE_LIMIT_PER_WINDOW", default=5)
RATE_LIMIT_BLOCK_MINUTES = env.int("RATE_LIMIT_BLOCK_MINUTES", default=15)

# INTEGRATIONS ---------------------------------------------------------------------

SMS_DRY_RUN = env.bool("SMS_DRY_RUN", default=False)
ESKIZ_API_URL = env("ESKIZ_API_URL", default="https://notify.eskiz.uz/api").rstrip("/")
ESKIZ_LOGIN = env("ESKIZ_LOGIN", default="")
ESKIZ_PASSWORD = env("ESKIZ_PASSWORD", default="")
ESKIZ_FROM_WHOM = env("ESKIZ_FROM_WHOM", default="4546")
ESKIZ_SMS_TEMPLATE = env("ESKIZ_SMS_TEMPLATE", default="") or (
    "Kod podtverjdeniya dlya vhoda v sistemu Restoran Sardoba - {code}. "
    "Pozhaluysta ne peredavayte drugim."
)
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10)

IIKO_API_BASE_URL = env("IIKO_API_BASE_URL", default="https://api-ru.iiko.services")
IIKO_API_LOGIN = env("IIKO_API_LOGIN", default="")
IIKO_ORGANIZATION_ID = env("IIKO_ORGANIZATION_ID", default="")
IIKO_PROXY_SECRET = env("IIKO_PROXY_SECRET", default="")
IIKO_WEBHOOK_SECRET = env("IIKO_WEBHOOK_SECRET", default="")
IIKO_CONNECT_TIMEOUT = env.float("IIKO_CONNECT_TIMEOUT", default=2)
IIKO_READ_TIMEOUT = env.float("IIKO_READ_TIMEOUT", default=8)
IIKO_SYNC_MAX_ATTEMPTS = env.int("IIKO_SYNC_MAX_ATTEMPTS", default=8)

MENU_API_URL = env(
    "MENU_API_URL", default="https://sardobarestaurant.myresto.online/api/v1/menu"
)
MENU_GIJDUVON_API_URL = env(
    "MENU_GIJDUVON_API_URL",
    default="https://sardobagijduvon.myresto.online/api/v1/menu",
)
STOP_LIST_API_URL = env("STOP_LIST_API_URL", default="")
STOP_LIST_GIJDUVON_API_URL = env("STOP_LIST_GIJDUVON_API_URL", default="")
STORE_IDS = [
    int(s)
    for s in env.list("STORE_IDS", default=["139350", "139458", "139235", "157757"])
]
SARDOBA_GEOFIZIKA = env.int("SARDOBA_GEOFIZIKA", default=139235)
SARDOBA_GIDIVON = env.int("SARDOBA_GIDIVON", default=157757)
SARDOBA_SEVERNIY = env.int("SARDOBA_SEVERNIY", default=139350)
SARDOBA_MK5 = env.int("SARDOBA_MK5", default=139458)
MENU_CACHE_TTL = env.int("MENU_CACHE_TTL", default=120)
STOPLIST_CACHE_TTL = env.int("STOPLIST_CACHE_TTL", default=60)
MENU_RESPONSE_CACHE_TTL = env.int("MENU_RESPONSE_CACHE_TTL", default=30)
# new: seconds a process reuses a cache namespace version it read (catalog/cache.py);
# 0 reads it from Redis on every public read.
CACHE_VERSION_MEMO_SECONDS = env.float("CACHE_VERSION_MEMO_SECONDS", default=1.0)
MENU_HTTP_TIMEOUT = env.float("MENU_HTTP_TIMEOUT", default=10)

FILE_MAX_UPLOAD_MB = env.int("FILE_MAX_UPLOAD_MB", default=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = (FILE_MAX_UPLOAD_MB + 1) * 1024 * 1024
WS_REPLAY_LIMIT = env.int("WS_REPLAY_LIMIT", default=20)

# LOGGING --------------------------------------------------------------------------

LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOG_FILE_PATH = env("LOG_FILE_PATH", default="")
LOG_RETENTION_DAYS = env.int("LOG_RETENTION_DAYS", default=180)

_log_handlers = ["stdout"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "sardoba.logging.RequestIdFilter"},
        "redact": {"()": "sardoba.logging.RedactFilter"},
    },
    "formatters": {"json": {"()": "sardoba.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": _log_handlers, "level": LOG_LEVEL},
    "loggers": {
        # Django's own loggers write through our JSON handler, not its text console.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}
if LOG_FILE_PATH:
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": LOG_FILE_PATH,
        "formatter": "json",
        "filters": ["request_id", "redact"],
    }
    _log_handlers.append("file")

# CHECKS ---------------------------------------------------------------------------

SILENCED_SYSTEM_CHECKS = [
    # Staff phones are unique among non-deleted staff only (domain-rules.md §1.3), a
    # partial unique constraint; accounts.backends.StaffPhoneBackend matches on
    # non-deleted rows, so a phone names at most one account that can sign in.
    "auth.W004",
]
