"""Django's PostgreSQL backend with a health check that usually costs no round trip."""
