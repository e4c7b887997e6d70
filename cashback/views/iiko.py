"""`POST /iiko/webhook` and `POST /iiko/check-user` (`staff-api.md` §16).

Guarded by the shared secret `IIKO_WEBHOOK_SECRET` (header, bearer or the body's
`subscriptionPassword`, compared in constant time) and answered with the
plain-string `detail` bodies iiko expects, never the localized envelope.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Client
from cashback.exceptions import IikoInboundError
from cashback.selectors import client_find_for_iiko, iiko_event_response
from cashback.services import iiko_wallet_event_apply, wallet_event_parse
from cashback.views.negotiation import FirstRendererNegotiation

logger = logging.getLogger(__name__)

TAGS = ["iiko"]
NOT_CONFIGURED = "Webhook is not configured"
BAD_SECRET = "Invalid webhook secret"  # noqa: S105 - a message, not a secret
EMPTY_BODY = "Request body is empty"
INVALID_PAYLOAD = "Invalid webhook payload"
NO_IDENTIFIER = "customerId, walletId or phone is required to locate the user"
USER_NOT_FOUND = "User not found"
INTERNAL_ERROR = "Internal error"
SECRET_FIELD = "subscriptionPassword"  # noqa: S105 - a field name


def _body(request: Request) -> Any:
    raw = request.body
    if not raw or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ...  # present but not JSON


def _supplied_secrets(request: Request, body: Any) -> list[str]:
    found = []
    header = request.headers.get("X-Webhook-Secret")
    if header:
        found.append(header.strip())
    authorization = request.headers.get("Authorization", "").strip()
    if authorization:
        scheme, _, rest = authorization.partition(" ")
        found.append(rest.strip() if scheme.lower() == "bearer" else authorization)
    if isinstance(body, dict) and isinstance(body.get(SECRET_FIELD), str):
        found.append(body[SECRET_FIELD])
    return found


def secret_check(request: Request, body: Any) -> None:
    """Raise `IikoInboundError` 503 when unset, 401 when missing or wrong."""
    secret = settings.IIKO_WEBHOOK_SECRET
    if not secret:
        raise IikoInboundError(status=503, detail=NOT_CONFIGURED)
    expected = secret.encode()
    matches = [
        hmac.compare_digest(candidate.encode(), expected)
        for candidate in _supplied_secrets(request, body)
    ]
    if not any(matches):
        raise IikoInboundError(status=401, detail=BAD_SECRET)


def _client_for(body: dict[str, Any]) -> Client:
    ids = {key: body.get(key) for key in ("customerId", "walletId", "phone")}
    ids = {key: str(v).strip() for key, v in ids.items() if v not in (None, "")}
    if not ids:
        raise IikoInboundError(status=400, detail=NO_IDENTIFIER)
    client = client_find_for_iiko(
        customer_id=ids.get("customerId"),
        wallet_id=ids.get("walletId"),
        phone=ids.get("phone"),
    )
    if client is None:
        raise IikoInboundError(status=404, detail=USER_NOT_FOUND)
    return client


def _redacted(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if k != SECRET_FIELD}
    return "<not an object>"


_Detail = inline_serializer("IikoDetail", fields={"detail": serializers.CharField()})


class _IikoView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    parser_classes: list[type] = []  # the raw body is read here, never by DRF
    content_negotiation_class = FirstRendererNegotiation

    def post(self, request: Request) -> Response:
        body = _body(request)
        try:
            secret_check(request, body)
            if body is None:
                body = self.empty_body()
            if not isinstance(body, dict):
                raise IikoInboundError(status=400, detail=INVALID_PAYLOAD)
            return Response(self.handle(body))
        except IikoInboundError as exc:
            return Response({"detail": exc.detail}, status=exc.status)
        except Exception:
            logger.exception("iiko %s failed", self.name)
            return Response({"detail": INTERNAL_ERROR}, status=500)

    name = "endpoint"

    def empty_body(self) -> dict[str, Any]:
        raise IikoInboundError(status=400, detail=EMPTY_BODY)

    def handle(self, body: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


class IikoWebhookView(_IikoView):
    name = "webhook"

    @extend_schema(
        request=inline_serializer(
            "IikoWalletEvent",
            fields={
                "id": serializers.CharField(required=False),
                "transactionType": serializers.CharField(),
                "sum": serializers.FloatField(required=False),
                "balance": serializers.FloatField(required=False),
                "walletId": serializers.CharField(required=False),
                "customerId": serializers.CharField(required=False),
                "phone": serializers.CharField(required=False),
                "uocId": serializers.CharField(required=False),
                "orderId": serializers.CharField(required=False),
                "subscriptionPassword": serializers.CharField(required=False),
            },
        ),
        responses={
            200: inline_serializer(
                "IikoWebhookResult",
                fields={
                    "status": serializers.CharField(),
                    "transaction_id": serializers.CharField(required=False),
                    "transactionType": serializers.CharField(),
                    "amount": serializers.CharField(required=False),
                    "reason": serializers.CharField(required=False),
                },
            ),
            400: _Detail,
            401: _Detail,
            404: _Detail,
            503: _Detail,
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def handle(self, body: dict[str, Any]) -> dict[str, Any]:
        if (
            not isinstance(body.get("transactionType"), str)
            or not body["transactionType"].strip()
        ):
            raise IikoInboundError(status=400, detail=INVALID_PAYLOAD)
        logger.info("iiko webhook %s", json.dumps(_redacted(body), default=str))
        try:
            event = wallet_event_parse(body)
        except ValueError:
            raise IikoInboundError(status=400, detail=INVALID_PAYLOAD) from None
        if event.event_key is not None:
            first = iiko_event_response(event_key=event.event_key)
            if first is not None:  # a redelivery, even if the client is gone since
                return first
        client = _client_for(body)
        return iiko_wallet_event_apply(client=client, event=event)


class IikoCheckUserView(_IikoView):
    name = "check-user"

    def empty_body(self) -> dict[str, Any]:
        return {}  # no identifier: answered as such

    @extend_schema(
        request=inline_serializer(
            "IikoCheckUser",
            fields={
                "customerId": serializers.CharField(required=False),
                "walletId": serializers.CharField(required=False),
                "phone": serializers.CharField(required=False),
            },
        ),
        responses={
            200: inline_serializer(
                "IikoCheckUserResult",
                fields={
                    "id": serializers.CharField(),
                    "phone": serializers.CharField(),
                    "customerId": serializers.CharField(allow_null=True),
                },
            ),
            400: _Detail,
            401: _Detail,
            404: _Detail,
            503: _Detail,
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def handle(self, body: dict[str, Any]) -> dict[str, Any]:
        client = _client_for(body)
        return {
            "id": str(client.pk),
            "phone": client.phone,
            "customerId": client.iiko_customer_id,
        }
