"""Sign-in routes: client OTP (M1, M2), refresh (M4), /auth/me (M3), staff login."""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.exceptions import OldPasswordIncorrect, RefreshTokenRequired
from accounts.models import Staff
from accounts.selectors import (
    client_profile_complete,
    client_profile_queryset,
    staff_with_counts,
)
from accounts.serializers import (
    ClientProfileOut,
    OtpRequestIn,
    OtpVerifyIn,
    RefreshIn,
    StaffOut,
    TokenPairOut,
    TokensOut,
    client_profile_data,
)
from accounts.services.logs import audit_record
from accounts.services.otp import otp_purpose_parse, otp_request
from accounts.services.sign_in import client_sign_in, client_sync_throttled_enqueue
from accounts.services.staff import staff_login, staff_password_change
from accounts.tokens import refresh_token_rotate, token_pair_issue
from cashback.selectors import client_cashback_block
from sardoba.api.permissions import IsClientOrStaff, IsStaff

logger = logging.getLogger(__name__)


class OtpRequestView(APIView):
    authentication_classes: list[Any] = []

    @extend_schema(request=OtpRequestIn, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        s = OtpRequestIn(data=request.data)
        s.is_valid(raise_exception=True)
        otp_request(
            raw_phone=s.validated_data.get("phone"),
            purpose=s.validated_data.get("purpose"),
            request=request,
        )
        return Response(status=204)


class OtpVerifyView(APIView):
    authentication_classes: list[Any] = []

    @extend_schema(request=OtpVerifyIn, responses={200: TokensOut}, tags=["auth"])
    def post(self, request: Request) -> Response:
        s = OtpVerifyIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        result = client_sign_in(
            phone=data["phone"],
            purpose=otp_purpose_parse(data.get("purpose")),
            code=data["code"],
            name=data.get("name"),
            date_of_birth=data.get("date_of_birth"),
            referral_code=data.get("referral_code"),
            request=request,
        )
        return Response({"tokens": result.tokens.as_dict()})


class RefreshView(APIView):
    authentication_classes: list[Any] = []

    @extend_schema(request=RefreshIn, responses={200: TokenPairOut}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        raw = data.get("refresh_token") or data.get("refresh")
        if not isinstance(raw, str) or not raw.strip():
            raise RefreshTokenRequired()
        return Response(refresh_token_rotate(raw.strip()).as_dict())


def _cashback_limit(request: Request) -> int:
    try:
        return max(int(request.query_params.get("cashback_limit", 10)), 0)
    except (TypeError, ValueError):
        return 10


def staff_clients(staff: Staff, request: Request) -> list[Any] | None:
    if not staff.is_waiter:
        return None
    clients = (
        client_profile_queryset()
        .filter(waiter_id=staff.pk, is_deleted=False)
        .order_by("-created_at", "-id")
    )
    return list(ClientProfileOut(clients, many=True, context={"request": request}).data)


class MeView(APIView):
    permission_classes = [IsClientOrStaff]

    @extend_schema(
        responses={200: OpenApiResponse(description="client or staff variant")},
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        actor = request.user
        if isinstance(actor, Staff):
            staff = staff_with_counts().get(pk=actor.pk)
            body: dict[str, Any] = {"type": "STAFF", "profile": StaffOut(staff).data}
            clients = staff_clients(staff, request)
            if clients is not None:
                body["clients"] = clients
            return Response(body)
        client = client_profile_complete(client=actor)  # type: ignore[arg-type]
        client_sync_throttled_enqueue(client=client)
        return Response(
            {
                "type": "CLIENT",
                "profile": client_profile_data(client, request=request),
                "cashback": client_cashback_block(
                    client=client, limit=_cashback_limit(request)
                ),
            }
        )


class StaffLoginIn(serializers.Serializer):
    phone = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)


class StaffLoginView(APIView):
    authentication_classes: list[Any] = []

    @extend_schema(
        request=StaffLoginIn,
        responses={
            200: inline_serializer(
                "StaffLoginOut", {"staff": StaffOut(), "tokens": TokenPairOut()}
            )
        },
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        s = StaffLoginIn(data=request.data)
        s.is_valid(raise_exception=True)
        staff = staff_login(
            raw_phone=s.validated_data["phone"],
            password=s.validated_data["password"],
            request=request,
        )
        staff = staff_with_counts().get(pk=staff.pk)
        body: dict[str, Any] = {
            "staff": StaffOut(staff).data,
            "tokens": token_pair_issue(actor=staff).as_dict(),
        }
        clients = staff_clients(staff, request)
        if clients is not None:
            body["clients"] = clients
        return Response(body)


class ChangePasswordIn(serializers.Serializer):
    current_password = serializers.CharField(required=False, trim_whitespace=False)
    old_password = serializers.CharField(required=False, trim_whitespace=False)
    new_password = serializers.CharField(
        min_length=6, max_length=128, trim_whitespace=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = attrs.get("current_password") or attrs.get("old_password")
        if not current:
            raise serializers.ValidationError(
                {"current_password": "This field is required."}, code="required"
            )
        attrs["current"] = current
        return attrs


class ChangePasswordView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=ChangePasswordIn,
        responses={
            200: inline_serializer("StatusOk", {"status": serializers.CharField()})
        },
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        s = ChangePasswordIn(data=request.data)
        s.is_valid(raise_exception=True)
        staff: Staff = request.user  # type: ignore[assignment]
        if not staff.check_password(s.validated_data["current"]):
            raise OldPasswordIncorrect()
        staff_password_change(staff=staff, password=s.validated_data["new_password"])
        audit_record(
            staff=staff,
            action="password_change",
            entity="staff",
            entity_id=staff.pk,
            after={"password": "changed"},
            request=request,
        )
        return Response({"status": "ok"})
