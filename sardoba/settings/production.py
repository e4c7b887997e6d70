"""Production settings: only tightens `base`, and refuses to boot without secrets.

Deployments name this module explicitly (`DJANGO_SETTINGS_MODULE`).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CHANNEL_LAYERS, DATABASES, SILENCED_SYSTEM_CHECKS, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the served hosts.")

_REQUIRED = (
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET_KEY",
    "JWT_REFRESH_SECRET_KEY",
    "ESKIZ_LOGIN",
    "ESKIZ_PASSWORD",
    "IIKO_API_LOGIN",
    "IIKO_ORGANIZATION_ID",
)
_missing = [name for name in _REQUIRED if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )
JWT_SECRET_KEY = env("JWT_SECRET_KEY")
JWT_REFRESH_SECRET_KEY = env("JWT_REFRESH_SECRET_KEY")
if JWT_SECRET_KEY == JWT_REFRESH_SECRET_KEY:
    raise ImproperlyConfigured("JWT_SECRET_KEY and JWT_REFRESH_SECRET_KEY must differ.")
if env("OTP_STATIC_CODE", default=""):
    raise ImproperlyConfigured("OTP_STATIC_CODE must not be set in production.")
if env.bool("SMS_DRY_RUN", default=False):
    raise ImproperlyConfigured("SMS_DRY_RUN must be off in production.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("Production needs PostgreSQL (DATABASE_URL).")
if CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer"):
    raise ImproperlyConfigured("Production needs the Redis channel layer (REDIS_URL).")

SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_SECRET_KEY}  # noqa: F405
API_DOCS_ENABLED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health checks of the container and the load balancer speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SILENCED_SYSTEM_CHECKS = [
    *SILENCED_SYSTEM_CHECKS,
    # HSTS preload is opt-in (DJANGO_SECURE_HSTS_PRELOAD): submitting a domain to the
    # browsers' preload list is an operator's decision, not a code default.
    "security.W021",
]
