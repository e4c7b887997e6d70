"""HTTP interface: the client inbox (M9-M11) and manager broadcasts (staff §12)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Client, Staff
from notifications import selectors, services
from notifications.serializers import (
    BroadcastCreateIn,
    BroadcastOut,
    BroadcastUpdateIn,
    DeviceRegisterIn,
    InboxPageOut,
    NotificationSendIn,
    SendResultOut,
    inbox_item_data,
)
from sardoba.api.pagination import PageRequest, envelope_p
from sardoba.api.permissions import IsClient, IsManager


def _client(request: Request) -> Client:
    return cast(Client, request.user)  # IsClient let only a client through


def _staff(request: Request) -> Staff:
    return cast(Staff, request.user)  # IsManager let only a manager through


class InboxListView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, required=False)],
        responses=InboxPageOut,
    )
    def get(self, request: Request) -> Response:
        limit = selectors.inbox_limit_clean(request.query_params.get("limit"))
        page = selectors.inbox_list_for_client(client=_client(request), limit=limit)
        return Response(
            {
                "unread_count": page.unread_count,
                "items": [inbox_item_data(row) for row in page.items],
            }
        )


class InboxReadView(APIView):
    permission_classes = [IsClient]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, notification_id: int) -> Response:
        services.notification_mark_read(
            client=_client(request), notification_id=notification_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceRegisterView(APIView):
    permission_classes = [IsClient]

    @extend_schema(request=DeviceRegisterIn, responses={204: None})
    def post(self, request: Request) -> Response:
        s = DeviceRegisterIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        language = data.get("language")
        services.device_register(
            client=_client(request),
            device_type=data["deviceType"],
            device_token=data.get("deviceToken") or None,
            language=language if isinstance(language, str) else None,
            uses_websocket=data.get("usesWebSocket"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class BroadcastListView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=BroadcastOut(many=True))
    def get(self, request: Request) -> Response:
        page = PageRequest.from_query(request.query_params)
        return Response(
            envelope_p(
                selectors.broadcast_list(),
                page,
                lambda rows: list(BroadcastOut(rows, many=True).data),
            )
        )

    @extend_schema(request=BroadcastCreateIn, responses=BroadcastOut)
    def post(self, request: Request) -> Response:
        s = BroadcastCreateIn(data=request.data)
        s.is_valid(raise_exception=True)
        broadcast = services.broadcast_create(
            staff=_staff(request), request=request, **s.validated_data
        )
        return Response(BroadcastOut(broadcast).data)


class BroadcastDetailView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=BroadcastOut)
    def get(self, request: Request, broadcast_id: int) -> Response:
        broadcast = selectors.broadcast_get(broadcast_id=broadcast_id)
        return Response(BroadcastOut(broadcast).data)

    @extend_schema(request=BroadcastUpdateIn, responses=BroadcastOut)
    def put(self, request: Request, broadcast_id: int) -> Response:
        broadcast = selectors.broadcast_get(broadcast_id=broadcast_id)
        s = BroadcastUpdateIn(data=request.data)
        s.is_valid(raise_exception=True)
        broadcast = services.broadcast_update(
            staff=_staff(request),
            broadcast=broadcast,
            request=request,
            **s.validated_data,
        )
        return Response(BroadcastOut(broadcast).data)

    patch = put

    @extend_schema(responses={204: None})
    def delete(self, request: Request, broadcast_id: int) -> Response:
        broadcast = selectors.broadcast_get(broadcast_id=broadcast_id)
        services.broadcast_delete(
            staff=_staff(request), broadcast=broadcast, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationSendView(APIView):
    permission_classes = [IsManager]

    @extend_schema(request=NotificationSendIn, responses=SendResultOut)
    def post(self, request: Request) -> Response:
        s = NotificationSendIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        result = services.notifications_send(
            staff=_staff(request),
            user_ids=data["userIds"],
            title=data["title"],
            description=data["description"],
            notification_type=data.get("notificationType") or None,
            payload=data.get("payload") or {},
            language=data.get("language"),
            request=request,
        )
        return Response(
            {"status": "ok", "created": result.created, "skipped": result.skipped}
        )
