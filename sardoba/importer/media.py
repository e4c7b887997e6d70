"""Media of the original (`domain-rules.md` §12): relative URLs, files copied.

Rows get the local relative URL at once; the files are copied afterwards by
`media_copy`, which looks for every referenced file missing from MEDIA_ROOT in
the operator's `--media-dir` (the original's `media/` folder), so a later run
with `--media-dir` completes an import made without it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from accounts.models import Client, FileKind, StoredFile
from sardoba.importer.context import ImportContext


@dataclass(frozen=True)
class MediaKind:
    file_kind: str
    folder: str  # under MEDIA_ROOT and under --media-dir
    url_prefix: str  # local relative URL prefix


PROFILE_PHOTO = MediaKind(
    FileKind.PROFILE_PHOTO, "profile_photos", "/api/v1/files/profile-photo/"
)
NEWS_IMAGE = MediaKind(FileKind.NEWS_IMAGE, "news_images", "/api/v1/files/news_images/")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ORIGINAL_PATHS = ("/files/", "/media/", "/static/")
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def media_url(
    ctx: ImportContext, kind: MediaKind, url: str | None, row: tuple[str, Any]
) -> str | None:
    """The local relative URL for an original media URL.

    Relative URLs, and absolute ones that point at the original's file routes,
    become `/api/v1/files/...` with the file's name. Other absolute URLs (a CDN)
    are kept as they are.
    """
    url = (url or "").strip()
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https") and not any(
        p in parsed.path for p in ORIGINAL_PATHS
    ):
        return url
    name = parsed.path.rstrip("/").rsplit("/", 1)[-1]
    if not SAFE_NAME.match(name):
        ctx.report.warn(
            row[0], row[1], f"media URL {url!r} has no usable file name; dropped"
        )
        return None
    return kind.url_prefix + name


def media_copy(
    ctx: ImportContext, references: list[tuple[MediaKind, str, int | None]]
) -> None:
    """Copy every referenced file that MEDIA_ROOT lacks and record it (§12)."""
    stats = ctx.report.stats("media files")
    root = Path(settings.MEDIA_ROOT)
    known = set(StoredFile.objects.values_list("name", flat=True))
    for kind, url, owner_id in references:
        if not url.startswith(kind.url_prefix):
            continue
        name = url[len(kind.url_prefix) :]
        stats.read += 1
        target = root / kind.folder / name
        if target.exists() and name in known:
            stats.unchanged += 1
            continue
        found = _find(ctx.media_dir, kind, name) if not target.exists() else target
        if found is None:
            ctx.report.missing_files.append(
                {"kind": kind.folder, "name": name, "url": url}
            )
            stats.skipped += 1
            continue
        mime = _mime_type(found)
        if mime is None:
            ctx.report.skip("media files", name, "not a JPEG, PNG or WebP image")
            continue
        if not ctx.dry_run:
            if found != target:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(found, target)
            if name not in known:
                StoredFile.objects.create(
                    kind=kind.file_kind,
                    name=name,
                    mime_type=mime,
                    size=found.stat().st_size,
                    url=url,
                    owner_id=owner_id,
                )
                known.add(name)
        stats.created += 1
    ctx.progress("media files", stats.read, len(references))


def _find(media_dir: Path | None, kind: MediaKind, name: str) -> Path | None:
    if media_dir is None:
        return None
    for candidate in (
        media_dir / kind.folder / name,
        media_dir / "media" / kind.folder / name,
    ):
        if candidate.is_file():
            return candidate
    return None


def _mime_type(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            image.verify()
            return MIME_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def client_photo_references() -> list[tuple[MediaKind, str, int | None]]:
    return [
        (PROFILE_PHOTO, str(url), pk)
        for pk, url in Client.objects.filter(
            profile_photo_url__startswith=PROFILE_PHOTO.url_prefix
        ).values_list("pk", "profile_photo_url")
    ]
