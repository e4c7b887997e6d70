"""Demo news with generated images (run by `manage.py seed_demo`; idempotent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import FileKind, Staff, StoredFile
from news.files import NEWS_IMAGE_DIR, NEWS_IMAGE_URL
from news.models import NewsItem
from news.services import news_cache_invalidate


def demo_image(
    label: str, color: tuple[int, int, int], size: tuple[int, int] = (800, 450)
) -> str:
    """Draw (once) a JPEG tile for `label` and return its relative public URL."""
    digest = hashlib.md5(label.encode(), usedforsecurity=False).hexdigest()
    name = f"{digest}-0.jpg"
    path = f"{NEWS_IMAGE_DIR}/{name}"
    if not default_storage.exists(path):
        image = Image.new("RGB", size, color)
        draw = ImageDraw.Draw(image)
        width, height = size
        for step in range(0, height, 6):  # a soft diagonal texture
            shade = tuple(min(255, c + 25) for c in color)
            draw.line([(0, step), (step, 0)], fill=shade, width=2)
        draw.rectangle([(0, height - 90), (width, height)], fill=(25, 25, 25))
        draw.text((30, height - 65), label, fill=(255, 255, 255), font_size=36)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        default_storage.save(path, ContentFile(out.getvalue()))
    size_bytes = default_storage.size(path)
    StoredFile.objects.get_or_create(
        name=name,
        defaults={
            "kind": FileKind.NEWS_IMAGE,
            "mime_type": "image/jpeg",
            "size": size_bytes,
            "url": NEWS_IMAGE_URL + name,
        },
    )
    return NEWS_IMAGE_URL + name


DEMO_NEWS = [
    (
        "Navro'z menyusi",
        "Sumalak, halim va bahorgi ko'k somsa barcha filiallarda.",
        3,
        -2,
        20,
        (46, 125, 50),
    ),
    (
        "Keshbek 5% gacha",
        "Har bir buyurtmadan keshbek to'plang va keyingi tashrifda to'lang.",
        2,
        -30,
        None,
        (198, 40, 40),
    ),
    (
        "G'ijduvon filiali ochildi",
        "Yangi filialimizga tashrif buyuring: milliy taomlar va tandir kaboblar.",
        1,
        -10,
        None,
        (21, 101, 192),
    ),
    ("Yozgi terassa", "Yozgi terassamiz iyundan ochiladi.", 0, 40, 120, (239, 108, 0)),
]


def seed(stdout: Any) -> None:
    now = timezone.now()
    author = Staff.objects.filter(role="MANAGER").order_by("pk").first()
    created = 0
    for title, description, priority, start_days, end_days, color in DEMO_NEWS:
        if NewsItem.objects.filter(title=title).exists():
            continue
        NewsItem.objects.create(
            title=title,
            description=description,
            priority=priority,
            image_url=demo_image(title, color),
            starts_at=now + dt.timedelta(days=start_days),
            ends_at=None if end_days is None else now + dt.timedelta(days=end_days),
            created_by=author,
        )
        created += 1
    news_cache_invalidate()
    stdout.write(
        f"news: {created} demo item(s) created ({NewsItem.objects.count()} in all)."
    )
