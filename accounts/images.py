"""Image uploads: judged by decoding the content, re-encoded to strip metadata.

`domain-rules.md` §12: JPEG, PNG or WebP, at most `FILE_MAX_UPLOAD_MB`; the
stored bytes are a fresh encoding in the same format, so GPS and device tags
are gone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from sardoba.exceptions import ApplicationError

_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs


class MissingFilename(ApplicationError):
    code = "missing_filename"
    status = 400


class UnsupportedFileType(ApplicationError):
    code = "unsupported_file_type"
    status = 400


class EmptyFile(ApplicationError):
    code = "empty_file"
    status = 400


class FileTooLarge(ApplicationError):
    code = "file_too_large"
    status = 413


@dataclass(frozen=True, slots=True)
class CleanImage:
    content: bytes
    extension: str
    mime_type: str


def image_clean(upload: Any, *, check_extension: bool = True) -> CleanImage:
    """Validate an uploaded file and return its re-encoded bytes.

    Raises `MissingFilename`, `EmptyFile`, `FileTooLarge` or `UnsupportedFileType`.
    """
    if upload is None or not getattr(upload, "name", ""):
        raise MissingFilename()
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise EmptyFile()
    if size > settings.FILE_MAX_UPLOAD_MB * 1024 * 1024:
        raise FileTooLarge()
    if check_extension and not upload.name.lower().endswith(_EXTENSIONS):
        raise UnsupportedFileType()
    raw = upload.read()
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise UnsupportedFileType() from exc
    if image.format not in _FORMATS:
        raise UnsupportedFileType()
    extension, mime_type = _FORMATS[image.format]
    out = io.BytesIO()
    if image.format == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=90)
    else:
        image.save(out, format=image.format)
    return CleanImage(content=out.getvalue(), extension=extension, mime_type=mime_type)
