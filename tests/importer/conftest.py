"""An original database per test, in either schema version (PostgreSQL only)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.importer.awkward_data import fill, media_folder
from tests.importer.original_db import EARLIER, LATER, original_database


def _server_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


@pytest.fixture(params=[LATER, EARLIER], ids=["later", "earlier"])
def original(request) -> str:
    """The URL of a fresh original database filled with awkward data."""
    version = request.param
    name = f"orig_import_{'later' if version == LATER else 'earlier'}_{os.getpid()}"
    with original_database(_server_url(), name, version) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            fill(conn, version)
        yield url


@pytest.fixture
def original_media(tmp_path) -> Path:
    return media_folder(tmp_path / "original-media")


def run_import(url: str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_original", "--database-url", url, *args, stdout=out)
    return out.getvalue()


def is_later(url: str) -> bool:
    return "_later_" in url
