"""The MyResto live menu (`domain-rules.md` §14): fetch, merge, cache, fall back.

Menus come from `MENU_API_URL` (every store but G'ijduvon) and
`MENU_GIJDUVON_API_URL` (the `SARDOBA_GIDIVON` store); stop lists from
`STOP_LIST_API_URL/<storeId>` (`STOP_LIST_GIJDUVON_API_URL` for G'ijduvon).
All the calls one request needs run at once in threads and share one deadline
of `MENU_HTTP_TIMEOUT`, so a hanging upstream costs at most that long. Nothing
here raises to the caller of `menu_live`: it always returns a body.
"""

from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from django.conf import settings

from catalog.cache import cache_get, cache_set

logger = logging.getLogger("sardoba.myresto")

LIVE_KEY = "menu:live"
LAST_GOOD_KEY = "menu:live:last_good"
FAILED_BODY: dict[str, Any] = {"success": False, "categories": []}
_DEADLINE_SLACK = 0.25


class UpstreamError(Exception):
    """A MyResto call failed (transport error, timeout, non-2xx, not JSON)."""


def store_names() -> dict[int, str]:
    return {
        settings.SARDOBA_GEOFIZIKA: "Sardoba_Geofizika",
        settings.SARDOBA_SEVERNIY: "Sardoba_Severniy",
        settings.SARDOBA_MK5: "Sardoba_5MK",
        settings.SARDOBA_GIDIVON: "Sardoba_Gijduvon",
    }


def store_name(store_id: int) -> str:
    return store_names().get(store_id, str(store_id))


def local_mode() -> bool:
    """True when `MENU_API_URL` is empty: the menu is the local catalog."""
    return not settings.MENU_API_URL


@dataclass(frozen=True, slots=True)
class MenuSource:
    key: str
    url: str


def menu_sources() -> list[MenuSource]:
    gijduvon = settings.SARDOBA_GIDIVON
    main_stores = [s for s in settings.STORE_IDS if s != gijduvon]
    sources = []
    if settings.MENU_API_URL and main_stores:
        sources.append(
            MenuSource(",".join(map(str, main_stores)), settings.MENU_API_URL)
        )
    if gijduvon in settings.STORE_IDS and settings.MENU_GIJDUVON_API_URL:
        sources.append(MenuSource(str(gijduvon), settings.MENU_GIJDUVON_API_URL))
    return sources


def stoplist_url(store_id: int) -> str | None:
    base = (
        settings.STOP_LIST_GIJDUVON_API_URL
        if store_id == settings.SARDOBA_GIDIVON
        else settings.STOP_LIST_API_URL
    )
    return f"{base.rstrip('/')}/{store_id}" if base else None


def _get_json(url: str) -> Any:
    timeout = settings.MENU_HTTP_TIMEOUT
    try:
        response = requests.get(url, timeout=(timeout, timeout))
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise UpstreamError(f"{url}: {exc.__class__.__name__}") from exc


def _stopped_items(payload: Any) -> list[str]:
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, dict):
        raise UpstreamError("stop list without a result object")
    return sorted(
        str(item_id)
        for item_id, left in result.items()
        if isinstance(left, int | float) and not isinstance(left, bool) and left <= 0
    )


@dataclass
class Fetched:
    menus: dict[str, Any]  # source key -> payload, None when it failed
    stoplists: dict[int, list[str] | None]  # store id -> stopped item ids

    @property
    def menus_failed(self) -> bool:
        return any(v is None for v in self.menus.values())

    @property
    def any_failed(self) -> bool:
        return self.menus_failed or any(v is None for v in self.stoplists.values())


def upstream_fetch(*, use_cache: bool, with_stoplists: bool = True) -> Fetched:
    """Fetch every menu (and stop list) concurrently under one deadline."""
    sources = menu_sources()
    fetched = Fetched(menus={}, stoplists={})
    jobs: dict[tuple[str, Any], str] = {}
    for source in sources:
        key = f"menu:raw:{source.key}"
        cached = cache_get(key) if use_cache else None
        if cached is not None:
            fetched.menus[source.key] = cached
        else:
            jobs[("menu", source.key)] = source.url
    if with_stoplists:
        for store_id in settings.STORE_IDS:
            url = stoplist_url(store_id)
            if url is None:
                continue
            cached = cache_get(f"menu:stoplist:{store_id}") if use_cache else None
            if cached is not None:
                fetched.stoplists[store_id] = cached
            else:
                jobs[("stop", store_id)] = url
    if jobs:
        _run_jobs(jobs, fetched)
    return fetched


def _run_jobs(jobs: dict[tuple[str, Any], str], fetched: Fetched) -> None:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs))
    try:
        futures = {pool.submit(_get_json, url): job for job, url in jobs.items()}
        done, _ = concurrent.futures.wait(
            futures, timeout=settings.MENU_HTTP_TIMEOUT + _DEADLINE_SLACK
        )
        for future, (kind, key) in futures.items():
            value: Any = None
            if future in done:
                try:
                    value = future.result()
                    if kind == "stop":
                        value = _stopped_items(value)
                except UpstreamError as exc:
                    logger.warning("MyResto call failed: %s", exc)
                    value = None
            else:
                logger.warning("MyResto call timed out: %s %s", kind, key)
            if kind == "menu":
                fetched.menus[key] = value
                if value is not None:
                    cache_set(f"menu:raw:{key}", value, settings.MENU_CACHE_TTL)
            else:
                fetched.stoplists[key] = value
                if value is not None:
                    cache_set(
                        f"menu:stoplist:{key}", value, settings.STOPLIST_CACHE_TTL
                    )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _images(value: Any, base_url: str) -> list[str]:
    if isinstance(value, str):
        candidates = [value]
    elif isinstance(value, dict):
        candidates = [v for v in value.values() if isinstance(v, str)]
    else:
        candidates = []
    return [urljoin(base_url, c) for c in candidates if c.strip()]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _price(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _merge_item(
    target: dict[str, Any],
    item: dict[str, Any],
    base_url: str,
    stopped: dict[int, set[str]],
) -> None:
    sizes = [s for s in item.get("itemSizes") or [] if isinstance(s, dict)]
    size = next((s for s in sizes if s.get("isDefault")), sizes[0] if sizes else {})
    item_id = str(item.get("itemId") or item.get("id") or "")
    for entry in size.get("prices") or []:
        store_id = _price(entry.get("storeId")) if isinstance(entry, dict) else None
        amount = _price(entry.get("price")) if store_id is not None else None
        if store_id is None or amount is None:
            continue
        target["prices"][store_id] = {
            "storeId": store_id,
            "storeName": store_name(store_id),
            "price": amount,
            "disabled": item_id in stopped.get(store_id, set()),
        }
    images = _images(size.get("buttonImage"), base_url) or _images(
        item.get("buttonImage"), base_url
    )
    target["images"] = _unique([*target["images"], *images])


def menu_merge(
    payloads: list[tuple[Any, str]], stoplists: dict[int, list[str] | None]
) -> dict[str, Any]:
    """Merge upstream menus (payload, its URL) into the `/catalog/live` body."""
    stopped = {sid: set(ids or []) for sid, ids in stoplists.items()}
    categories: dict[str, dict[str, Any]] = {}
    for payload, base_url in payloads:
        result = payload.get("result") if isinstance(payload, dict) else None
        for category in (result or {}).get("itemCategories") or []:
            if not isinstance(category, dict) or category.get("isHidden"):
                continue
            key = str(category.get("slug") or category.get("id") or "")
            merged = categories.setdefault(
                key,
                {
                    "id": str(category.get("id") or ""),
                    "name": category.get("name") or "",
                    "slug": category.get("slug") or None,
                    "thumbnail": None,
                    "items": {},
                },
            )
            thumbnail = _images(
                category.get("buttonImage") or category.get("image"), base_url
            )
            if merged["thumbnail"] is None and thumbnail:
                merged["thumbnail"] = thumbnail[0]
            for item in category.get("items") or []:
                if not isinstance(item, dict) or item.get("isHidden"):
                    continue
                item_id = str(item.get("itemId") or item.get("id") or "")
                target = merged["items"].setdefault(
                    item_id,
                    {
                        "id": item_id,
                        "name": item.get("name") or "",
                        "images": [],
                        "prices": {},
                    },
                )
                _merge_item(target, item, base_url, stopped)
    out = []
    for category in categories.values():
        items = [
            {**item, "prices": [item["prices"][s] for s in sorted(item["prices"])]}
            for item in category["items"].values()
            if item["prices"]
        ]
        if items:
            out.append({**category, "items": items})
    return {"success": True, "categories": out}


def menu_live() -> dict[str, Any]:
    """The merged upstream menu: cached, else fresh, else the last good body."""
    cached = cache_get(LIVE_KEY)
    if cached is not None:
        return cached
    fetched = upstream_fetch(use_cache=True)
    urls = {s.key: s.url for s in menu_sources()}
    payloads = [(p, urls[k]) for k, p in fetched.menus.items() if p is not None]
    if fetched.any_failed:
        last_good = cache_get(LAST_GOOD_KEY)
        if last_good is not None:
            return last_good
        if fetched.menus_failed and not payloads:
            return FAILED_BODY
        if fetched.menus_failed:
            return menu_merge(payloads, fetched.stoplists)
    body = menu_merge(payloads, fetched.stoplists)
    if not fetched.any_failed:
        cache_set(LIVE_KEY, body, settings.MENU_RESPONSE_CACHE_TTL)
        cache_set(LAST_GOOD_KEY, body, None)
    return body
