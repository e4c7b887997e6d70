"""JSON answers for paths no route serves, anywhere under `/api/`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from sardoba.messages import message_texts


def _body(code: str) -> dict[str, Any]:
    return {"detail": message_texts(code), "code": code}


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(_body("not_found"), status=404)


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> Any:
    if request.path.startswith("/api/"):
        return JsonResponse(_body("server_error"), status=500)
    from django.views.defaults import server_error

    return server_error(request)
