"""Loopback stand-in for the MyResto menu and stop-list upstreams.

    python -m bench.menu_server [--port 8790] [--items 500]

Serves a 500-item menu (25 categories of 20 items, four stores) at `/menu` and
`/menu-gijduvon`, and stop lists at `/stoplist/<storeId>`, on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORES = [139235, 139350, 139458, 157757]


def menu(items: int, stores: list[int]) -> dict:
    per_cat = 20
    categories = []
    for c in range(max(items // per_cat, 1)):
        rows = []
        for k in range(per_cat):
            n = c * per_cat + k
            price = 20000 + (n % 40) * 1000
            rows.append(
                {
                    "itemId": str(3000 + n),
                    "name": f"Taom {n}",
                    "isHidden": False,
                    "buttonImage": f"https://cdn.example.uz/menu/{n}.jpg",
                    "itemSizes": [
                        {
                            "isDefault": True,
                            "buttonImage": f"https://cdn.example.uz/menu/{n}-d.jpg",
                            "prices": [
                                {"storeId": s, "price": str(price)} for s in stores
                            ],
                        }
                    ],
                }
            )
        categories.append(
            {
                "id": str(100 + c),
                "name": f"Kategoriya {c}",
                "slug": f"kategoriya-{c}",
                "isHidden": False,
                "buttonImage": f"https://cdn.example.uz/cat/{c}.png",
                "items": rows,
            }
        )
    return {"result": {"itemCategories": categories}}


def stoplist(store: int, items: int) -> dict:
    return {"result": {str(3000 + n): 0 for n in range(store % 7, items, 50)}}


def serve(port: int, items: int) -> None:
    bodies = {
        "/menu": json.dumps(menu(items, STORES[:3])).encode(),
        "/menu-gijduvon": json.dumps(menu(items, STORES[3:])).encode(),
    }
    for s in STORES:
        bodies[f"/stoplist/{s}"] = json.dumps(stoplist(s, items)).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            body = bodies.get(path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args()
    serve(args.port, args.items)


if __name__ == "__main__":
    main()
