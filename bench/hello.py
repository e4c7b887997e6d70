"""Hello-world views returning about 2 KB of JSON: the floor of each server."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.payload import PAYLOAD


def django_hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse(PAYLOAD)


class DrfHelloView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    def get(self, request: Request) -> Response:
        return Response(PAYLOAD)
