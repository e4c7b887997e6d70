"""Test settings: fast hashing, JSON test requests, fixed test secrets."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}
SMS_DRY_RUN = True
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Tests never reach the real MyResto, iiko or Eskiz: they point these at loopback.
MENU_API_URL = ""
MENU_GIJDUVON_API_URL = ""
IIKO_API_LOGIN = ""
IIKO_ORGANIZATION_ID = ""
