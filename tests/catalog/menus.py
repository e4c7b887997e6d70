"""Realistic MyResto payloads (shape of `<host>/api/v1/menu` and its stop lists)."""

from __future__ import annotations

from typing import Any

GEOFIZIKA, SEVERNIY, MK5, GIJDUVON = 139235, 139350, 139458, 157757


def price(store_id: int, amount: Any) -> dict[str, Any]:
    return {"storeId": store_id, "price": amount, "currency": "UZS"}


def item(
    item_id: str,
    name: str,
    prices: list[dict[str, Any]],
    *,
    image: Any = None,
    size_image: Any = None,
    hidden: bool = False,
    extra_sizes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    default_size = {
        "sizeId": f"{item_id}-s",
        "sizeName": "Porsiya",
        "isDefault": True,
        "prices": prices,
        "buttonImage": size_image,
    }
    return {
        "itemId": item_id,
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "isHidden": hidden,
        "buttonImage": image,
        "itemSizes": [*(extra_sizes or []), default_size],
    }


def category(
    cat_id: str, name: str, slug: str, items: list[dict[str, Any]], **kw: Any
) -> dict[str, Any]:
    return {"id": cat_id, "name": name, "slug": slug, "items": items, **kw}


def menu(categories: list[dict[str, Any]]) -> dict[str, Any]:
    return {"success": True, "result": {"itemCategories": categories}}


def main_menu() -> dict[str, Any]:
    """The Tashkent instance: Geofizika, Severniy and MK-5."""
    return menu(
        [
            category(
                "12",
                "Shashlik",
                "shashlik",
                [
                    item(
                        "3051",
                        "Qo'y go'shti shashlik",
                        [
                            price(SEVERNIY, 35000.0),
                            price(GEOFIZIKA, 35000),
                            price(MK5, "36000"),
                        ],
                        image={
                            "small": "https://cdn.myresto.online/i/3051-s.jpg",
                            "big": "https://cdn.myresto.online/i/3051.jpg",
                        },
                        extra_sizes=[
                            {
                                "sizeId": "x",
                                "isDefault": False,
                                "prices": [price(GEOFIZIKA, 99999)],
                            }
                        ],
                    ),
                    item(
                        "3052",
                        "Tovuq shashlik",
                        [price(GEOFIZIKA, 25000), price(SEVERNIY, 25000)],
                        size_image="/uploads/3052.jpg",
                    ),
                    item(
                        "3099", "Yashirin taom", [price(GEOFIZIKA, 1000)], hidden=True
                    ),
                ],
                buttonImage="https://cdn.myresto.online/c/12.png",
            ),
            category(
                "13",
                "Ichimliklar",
                "ichimliklar",
                [item("4001", "Choy", [price(GEOFIZIKA, 5000), price(MK5, 5000)])],
            ),
            category(
                "14",
                "Yashirin bo'lim",
                "hidden",
                [item("5001", "Sir", [price(GEOFIZIKA, 1)])],
                isHidden=True,
            ),
            category(
                "15",
                "Bo'sh",
                "empty",
                [item("6001", "Faqat yashirin", [price(GEOFIZIKA, 1)], hidden=True)],
            ),
        ]
    )


def gijduvon_menu() -> dict[str, Any]:
    return menu(
        [
            category(
                "912",
                "Shashlik",
                "shashlik",
                [
                    item(
                        "3051",
                        "Qo'y go'shti shashlik",
                        [price(GIJDUVON, 30000)],
                        image="https://cdn.myresto.online/i/3051.jpg",
                    ),
                ],
            ),
            category(
                "920",
                "Osh",
                "osh",
                [item("7001", "G'ijduvon oshi", [price(GIJDUVON, 40000)])],
            ),
        ]
    )


def stoplist(remaining: dict[str, float]) -> dict[str, Any]:
    return {"success": True, "result": remaining}
