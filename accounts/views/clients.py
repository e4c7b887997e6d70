"""Clients as staff see them (`staff-api.md` §5.1-5.5)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Client, Staff
from accounts.selectors import client_get_for_manager, client_list_for_staff
from accounts.serializers import (
    ClientDetailOut,
    ClientListItemOut,
    profile_changes_parse,
)
from accounts.services.clients import (
    client_delete,
    client_giftget_set,
    client_profile_update,
    client_status_set,
)
from accounts.services.logs import audit_record
from sardoba.api.pagination import PageRequest, envelope_p
from sardoba.api.permissions import IsManager, IsStaff


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def detail_response(client_id: int, request: Request) -> Response:
    client = client_get_for_manager(client_id=client_id)
    return Response(ClientDetailOut(client, context={"request": request}).data)


class UserCollectionView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses={200: ClientListItemOut(many=True)}, tags=["users"])
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = client_list_for_staff(
            staff=request.user,  # type: ignore[arg-type]
            search=query.get("search"),
            loyalty=query.get("loyalty"),
            waiter_id=query.get("waiter"),
        )
        page = PageRequest.from_query(query)
        return Response(
            envelope_p(
                rows,
                page,
                lambda items: list(
                    ClientListItemOut(
                        items, many=True, context={"request": request}
                    ).data
                ),
            )
        )


class GiftgetField(serializers.Serializer):
    giftget = serializers.BooleanField(required=False)


class UserItemView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: ClientDetailOut}, tags=["users"])
    def get(self, request: Request, user_id: int) -> Response:
        return detail_response(user_id, request)

    @extend_schema(
        request=inline_serializer(
            "UserPatchIn",
            {
                "first_name": serializers.CharField(required=False),
                "last_name": serializers.CharField(required=False),
                "middleName": serializers.CharField(required=False),
                "dob": serializers.CharField(required=False),
                "waiter_id": serializers.IntegerField(required=False, allow_null=True),
                "giftget": serializers.BooleanField(required=False),
                "email": serializers.CharField(required=False),
                "gender": serializers.CharField(required=False),
            },
        ),
        responses={200: ClientDetailOut},
        tags=["users"],
    )
    def patch(self, request: Request, user_id: int) -> Response:
        client = client_get_for_manager(client_id=user_id)
        staff: Staff = request.user  # type: ignore[assignment]
        data = request.data if isinstance(request.data, dict) else {}
        gift = GiftgetField(
            data={"giftget": data["giftget"]} if "giftget" in data else {}
        )
        gift.is_valid(raise_exception=True)
        changes = profile_changes_parse(data, staff=True)
        diff = client_profile_update(client=client, changes=changes, staff=staff)
        before = {k: _json(v[0]) for k, v in diff.items()}
        after = {k: _json(v[1]) for k, v in diff.items()}
        if "giftget" in gift.validated_data:
            new = gift.validated_data["giftget"]
            old = client_giftget_set(client=client, giftget=new)
            if old != new:
                before["giftget"], after["giftget"] = old, new
        if after:
            audit_record(
                staff=staff,
                action="update",
                entity="user",
                entity_id=client.pk,
                before=before,
                after=after,
                request=request,
            )
        return detail_response(user_id, request)

    @extend_schema(responses={204: None}, tags=["users"])
    def delete(self, request: Request, user_id: int) -> Response:
        client = client_get_for_manager(client_id=user_id)
        client_delete(client=client, request=request)
        audit_record(
            staff=request.user,  # type: ignore[arg-type]
            action="delete",
            entity="user",
            entity_id=client.pk,
            request=request,
        )
        return Response(status=204)


class StatusIn(serializers.Serializer):
    is_active = serializers.BooleanField()

    def to_internal_value(self, data: Any) -> Any:
        value = data.get("is_active") if isinstance(data, dict) else None
        if not isinstance(value, bool):
            raise serializers.ValidationError(
                {"is_active": "Must be a valid boolean."}, code="invalid"
            )
        return {"is_active": value}


class UserStatusView(APIView):
    permission_classes = [IsManager]

    @extend_schema(request=StatusIn, responses={200: ClientDetailOut}, tags=["users"])
    def post(self, request: Request, user_id: int) -> Response:
        client: Client = client_get_for_manager(client_id=user_id)
        s = StatusIn(data=request.data)
        s.is_valid(raise_exception=True)
        before = client.is_active
        client_status_set(
            client=client,
            is_active=s.validated_data["is_active"],
            staff=request.user,  # type: ignore[arg-type]
        )
        audit_record(
            staff=request.user,  # type: ignore[arg-type]
            action="status",
            entity="user",
            entity_id=client.pk,
            before={"is_active": before},
            after={"is_active": s.validated_data["is_active"]},
            request=request,
        )
        return detail_response(user_id, request)
