"""Settings of the server process the fault suite starts: base, DEBUG off.

Everything else comes from the environment the test passes (DATABASE_URL through
the proxy, REDIS_URL of the test's own redis-server, upstream URLs on loopback).
"""

from sardoba.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
