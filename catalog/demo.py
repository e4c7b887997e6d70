"""A realistic local catalog for the demo's local menu mode (idempotent)."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from catalog.models import Category, Product
from catalog.services import catalog_cache_invalidate
from news.demo import demo_image

MENU: list[tuple[str, tuple[int, int, int], list[tuple[str, int]]]] = [
    (
        "Milliy taomlar",
        (161, 98, 7),
        [
            ("Toshkent oshi", 45000),
            ("Samarqand oshi", 48000),
            ("Lag'mon", 38000),
            ("Manti (5 dona)", 35000),
            ("Chuchvara", 32000),
            ("Norin", 36000),
        ],
    ),
    (
        "Shashlik",
        (183, 28, 28),
        [
            ("Qo'y go'shti shashlik", 35000),
            ("Mol go'shti shashlik", 32000),
            ("Tovuq shashlik", 25000),
            ("Jigar shashlik", 22000),
            ("Lula kabob", 28000),
        ],
    ),
    (
        "Sho'rvalar",
        (230, 81, 0),
        [
            ("Mastava", 28000),
            ("Sho'rva", 30000),
            ("Moshxo'rda", 26000),
        ],
    ),
    (
        "Salatlar",
        (56, 142, 60),
        [
            ("Achchiq-chuchuk", 15000),
            ("Olivye", 22000),
            ("Toshkent salati", 27000),
        ],
    ),
    (
        "Non va somsa",
        (141, 110, 99),
        [
            ("Tandir non", 6000),
            ("Tandir somsa", 12000),
            ("Ko'k somsa", 10000),
        ],
    ),
    (
        "Ichimliklar",
        (2, 119, 189),
        [
            ("Ko'k choy (choynak)", 8000),
            ("Qora choy (choynak)", 8000),
            ("Kompot", 12000),
            ("Ayron", 10000),
        ],
    ),
]


def seed(stdout: Any) -> None:
    created = 0
    for position, (category_name, color, dishes) in enumerate(MENU):
        category, _ = Category.objects.get_or_create(
            name=category_name,
            defaults={
                "slug": slugify(category_name.replace("'", "")),
                "position": position,
                "image_url": demo_image(category_name, color),
            },
        )
        for order, (dish, price) in enumerate(dishes):
            if category.products.filter(name=dish).exists():
                continue
            Product.objects.create(
                category=category,
                name=dish,
                price=price,
                position=order,
                image_url=demo_image(dish, color, size=(600, 600)),
            )
            created += 1
    catalog_cache_invalidate()
    stdout.write(
        f"catalog: {created} demo product(s) created "
        f"({Category.objects.count()} categories, {Product.objects.count()} products)."
    )
