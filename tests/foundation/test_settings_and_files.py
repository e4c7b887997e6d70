"""Production refuses to boot without its secrets; deployment files parse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "sardoba.settings.production",
    "DJANGO_SECRET_KEY": "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "api.example.uz",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/sardoba",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "JWT_SECRET_KEY": "a" * 40,
    "JWT_REFRESH_SECRET_KEY": "b" * 40,
    "ESKIZ_LOGIN": "login",
    "ESKIZ_PASSWORD": "password",
    "IIKO_API_LOGIN": "api-login",
    "IIKO_ORGANIZATION_ID": "org",
}


def _boot(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    clean.pop("OTP_STATIC_CODE", None)
    clean.pop("SMS_DRY_RUN", None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_boots_with_every_secret():
    result = _boot(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET_KEY",
        "ESKIZ_LOGIN",
        "IIKO_API_LOGIN",
    ],
)
def test_production_refuses_a_missing_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _boot(env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_equal_jwt_keys():
    result = _boot({**PRODUCTION_ENV, "JWT_REFRESH_SECRET_KEY": "a" * 40})
    assert result.returncode != 0
    assert "must differ" in result.stderr


def test_production_refuses_a_static_otp():
    result = _boot({**PRODUCTION_ENV, "OTP_STATIC_CODE": "1234"})
    assert result.returncode != 0
    assert "OTP_STATIC_CODE" in result.stderr


def test_production_serves_no_api_docs():
    code = (
        "import django; django.setup();"
        "from django.urls import resolve, Resolver404;"
        "m = resolve('/api/v1/openapi.json');"
        "print(m.func.__name__)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "api_not_found"


def _database_settings(env: dict[str, str]) -> dict:
    """`DATABASES["default"]` as the settings build it from `env`."""
    code = (
        "import json, django; django.setup();"
        "from django.conf import settings;"
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "sardoba.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_runs_on_the_project_backend_with_health_checks():
    db = _database_settings({"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/sardoba"})
    assert db["ENGINE"] == "sardoba.db.postgresql"
    assert db["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in db.get("OPTIONS", {})


def test_the_postgresql_pool_is_configured_as_with_django_s_backend():
    db = _database_settings(
        {
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/sardoba",
            "DATABASE_POOL": "true",
        }
    )
    assert db["ENGINE"] == "sardoba.db.postgresql"
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 10}


def test_sqlite_keeps_django_s_backend():
    db = _database_settings({})
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["CONN_HEALTH_CHECKS"] is False


def test_compose_file_is_valid_yaml_with_the_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "ports" not in services["redis"]
    assert "--requirepass" in " ".join(map(str, services["redis"]["command"]))
    assert "/api/v1/health/live" in " ".join(
        map(str, services["web"]["healthcheck"]["test"])
    )


def test_dockerfile_runs_as_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert "\nUSER " in text
    assert "sardoba.asgi:application" in text
    assert "collectstatic" in text


def test_env_example_lists_every_setting_variable():
    text = (ROOT / ".env.example").read_text()
    for name in [
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET_KEY",
        "JWT_REFRESH_SECRET_KEY",
        "OTP_LENGTH",
        "OTP_STATIC_CODE",
        "OTP_RATE_LIMIT_BYPASS_PHONES",
        "TRUSTED_PROXY_COUNT",
        "SMS_DRY_RUN",
        "ESKIZ_LOGIN",
        "IIKO_WEBHOOK_SECRET",
        "MENU_API_URL",
        "WS_REPLAY_LIMIT",
        "REDIS_CHANNELS_POOL_MAX_SIZE",
        "REDIS_CHANNELS_POOL_TIMEOUT",
        "LOG_LEVEL",
        "LOG_FILE_PATH",
        "LOG_RETENTION_DAYS",
        "CORS_ORIGINS",
        "PUBLIC_API_URL",
    ]:
        assert f"{name}=" in text, name


def test_seed_demo_refuses_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV},
            **PRODUCTION_ENV,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "refuses to run under production settings" in result.stderr


def test_every_template_ships_in_the_installed_package():
    """The image runs `pip install .`: templates must be package data, not just files."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    templates = [
        p.relative_to(ROOT)
        for app in (
            "sardoba",
            "accounts",
            "cashback",
            "news",
            "catalog",
            "notifications",
        )
        for p in (ROOT / app).rglob("*.html")
    ]
    assert templates
    for path in templates:
        inside_package = str(path.relative_to(path.parts[0]))
        assert any(fnmatch.fnmatch(inside_package, pat) for pat in patterns), path
