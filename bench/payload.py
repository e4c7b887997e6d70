"""The ~2 KB JSON body every hello-world variant returns."""

PAYLOAD = {
    "items": [
        {"id": i, "title": f"Item number {i}", "price": 35000 + i, "active": True}
        for i in range(30)
    ]
}
