"""Production settings plus the benchmark's hello-world routes.

The runner (`bench/run.sh`) exports the variables production requires, pointed
at loopback services only (PostgreSQL database `sardoba_benchrun`, a private
redis-server on 127.0.0.1:6393, the MyResto upstreams played by
`bench.menu_server`).
"""

from sardoba.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Plain HTTP on loopback: no HTTPS redirect, no HSTS.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}  # noqa: F405

# BENCH_DB_POOL=1: psycopg's connection pool (Django >= 5.1) instead of one new
# PostgreSQL connection per request, for the ASGI servers (where CONN_MAX_AGE
# would leak a connection per request thread). Measured, not yet a setting of
# the application.
if env.bool("BENCH_DB_POOL", default=False):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
        "min_size": 2,
        "max_size": 8,
        "timeout": 10,
    }
