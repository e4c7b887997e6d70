"""News images and the media library (`domain-rules.md` §12, `staff-api.md` §10).

Files live in Django's default storage under `news_images/` and
`profile_photos/`; each has a `StoredFile` record whose `url` is the relative
public path. Deleting a file clears every reference to it.
"""

from __future__ import annotations

import posixpath
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet

from accounts.images import image_clean
from accounts.models import Client, FileKind, Staff, StoredFile
from accounts.services.logs import audit_record
from news.exceptions import FileNotFound
from news.models import NewsItem
from news.services import news_cache_invalidate

NEWS_IMAGE_DIR = "news_images"
PROFILE_PHOTO_DIR = "profile_photos"
NEWS_IMAGE_URL = "/api/v1/files/news_images/"
_DIRS: dict[str, str] = {
    FileKind.NEWS_IMAGE: NEWS_IMAGE_DIR,
    FileKind.PROFILE_PHOTO: PROFILE_PHOTO_DIR,
}


def file_name_clean(name: str) -> str:
    """The last path component of a requested name; raise FileNotFound if unusable."""
    base = posixpath.basename(str(name).replace("\\", "/")).strip()
    if not base or base.startswith(".") or len(base) > 128:
        raise FileNotFound()
    return base


def storage_path(kind: str, name: str) -> str:
    return f"{_DIRS.get(kind, NEWS_IMAGE_DIR)}/{name}"


def news_image_store(*, upload: Any, staff: Staff, request: Any = None) -> StoredFile:
    """Validate, re-encode and store an uploaded news image; record and audit it.

    Raises the upload errors of `accounts.images.image_clean`. The bytes are
    written before the transaction and removed again if recording them fails.
    """
    clean = image_clean(upload)
    name = f"{uuid.uuid4().hex}-{staff.pk}.{clean.extension}"
    saved = default_storage.save(f"{NEWS_IMAGE_DIR}/{name}", ContentFile(clean.content))
    try:
        return _news_image_record(
            name=posixpath.basename(saved),
            mime_type=clean.mime_type,
            size=len(clean.content),
            staff=staff,
            request=request,
        )
    except Exception:
        _storage_delete(saved)
        raise


@transaction.atomic
def _news_image_record(
    *, name: str, mime_type: str, size: int, staff: Staff, request: Any
) -> StoredFile:
    record = StoredFile.objects.create(
        kind=FileKind.NEWS_IMAGE,
        name=name,
        mime_type=mime_type,
        size=size,
        url=NEWS_IMAGE_URL + name,
        uploaded_by=staff,
    )
    audit_record(
        staff=staff,
        action="create",
        entity="file",
        entity_id=record.pk,
        after={"name": record.name, "kind": record.kind, "size": record.size},
        request=request,
    )
    return record


def _storage_delete(path: str) -> None:
    if default_storage.exists(path):
        default_storage.delete(path)


def _references_clear(url: str) -> int:
    """Clear news images and profile photos pointing at `url`; return the count."""
    news = NewsItem.objects.filter(image_url=url).update(image_url=None)
    photos = Client.objects.filter(profile_photo_url=url).update(profile_photo_url=None)
    if news:
        transaction.on_commit(news_cache_invalidate, robust=True)
    return news + photos


@transaction.atomic
def stored_file_delete(
    *, record: StoredFile, staff: Staff | None, request: Any = None
) -> None:
    """Delete a file record, its bytes (after commit) and every reference to it."""
    path = storage_path(record.kind, record.name)
    cleared = _references_clear(record.url)
    before = {"name": record.name, "kind": record.kind, "references": cleared}
    pk = record.pk
    record.delete()
    audit_record(
        staff=staff,
        action="delete",
        entity="file",
        entity_id=pk,
        before=before,
        request=request,
    )
    transaction.on_commit(lambda: _storage_delete(path), robust=True)


@transaction.atomic
def news_image_delete(*, name: str, staff: Staff | None, request: Any = None) -> None:
    """Delete the news image `name` (record and/or bytes); 404 when neither exists."""
    name = file_name_clean(name)
    record = StoredFile.objects.filter(kind=FileKind.NEWS_IMAGE, name=name).first()
    if record is not None:
        stored_file_delete(record=record, staff=staff, request=request)
        return
    path = f"{NEWS_IMAGE_DIR}/{name}"
    if not default_storage.exists(path):
        raise FileNotFound()
    cleared = _references_clear(NEWS_IMAGE_URL + name)
    audit_record(
        staff=staff,
        action="delete",
        entity="file",
        entity_id=None,
        before={"name": name, "kind": FileKind.NEWS_IMAGE, "references": cleared},
        request=request,
    )
    transaction.on_commit(lambda: _storage_delete(path), robust=True)


def stored_file_list(*, kind: str | None = None) -> QuerySet[StoredFile]:
    rows = StoredFile.objects.order_by("-created_at", "-id")
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def stored_file_references(records: list[StoredFile]) -> dict[int, str | None]:
    """`referenced_by` of each record ("news #5", "user #42" or None), two queries."""
    urls = {r.url for r in records}
    by_url: dict[str, str] = {}
    if urls:
        for pk, url in (
            NewsItem.objects.filter(image_url__in=urls)
            .order_by("pk")
            .values_list("pk", "image_url")
        ):
            if url:
                by_url.setdefault(url, f"news #{pk}")
        for pk, url in (
            Client.objects.filter(profile_photo_url__in=urls)
            .order_by("pk")
            .values_list("pk", "profile_photo_url")
        ):
            if url:
                by_url.setdefault(url, f"user #{pk}")
    return {r.pk: by_url.get(r.url) for r in records}


def news_image_open(name: str) -> tuple[Any, str]:
    """Open a stored news image for reading; return (file, content type)."""
    name = file_name_clean(name)
    path = f"{NEWS_IMAGE_DIR}/{name}"
    if not default_storage.exists(path):
        raise FileNotFound()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "webp": "image/webp",
    }.get(extension, "application/octet-stream")
    return default_storage.open(path, "rb"), content_type
