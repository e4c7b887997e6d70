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
