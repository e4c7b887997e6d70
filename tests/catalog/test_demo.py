from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from catalog.models import Product
from news.models import NewsItem

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_feeds_the_local_menu(api_client, settings):
    settings.MENU_API_URL = ""
    from catalog import demo as catalog_demo
    from news import demo as news_demo

    for _ in range(2):
        news_demo.seed(io.StringIO())
        catalog_demo.seed(io.StringIO())
    assert NewsItem.objects.count() == 4
    assert Product.objects.count() == 24
    news = api_client.get("/api/v1/news").json()
    assert len(news) == 3  # the terrace opens later
    image = api_client.get(news[0]["image_url"].replace("http://testserver", ""))
    assert image.status_code == 200
    live = api_client.get("/api/v1/catalog/live").json()
    assert live["success"] is True
    assert len(live["categories"]) == 6
    assert live["categories"][0]["items"][0]["name"] == "Toshkent oshi"
    assert live["categories"][0]["items"][0]["images"][0].startswith(
        "http://testserver/api/v1/files/news_images/"
    )


def test_seed_demo_command_runs(settings):
    settings.SETTINGS_MODULE = "sardoba.settings.test"
    call_command("seed_demo", stdout=io.StringIO())
    assert Product.objects.exists()
