"""The four logs for managers (`staff-api.md` §13)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AuditEntry, ValidationLogEntry
from accounts.selectors import auth_log_actors, auth_log_list, otp_log_list
from accounts.serializers import AuditOut, AuthLogOut, ValidationLogOut
from sardoba.api.pagination import PageRequest, envelope_d, envelope_p
from sardoba.api.permissions import IsManager


def _auth_items(items: list, request: Request) -> list:
    actors = auth_log_actors(items)
    return list(AuthLogOut(items, many=True, context={"actors": actors}).data)


class AuthLogView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: AuthLogOut(many=True)}, tags=["logs"])
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = auth_log_list(
            action=query.get("action"),
            actor_type=query.get("actor_type"),
            phone=query.get("phone"),
        )
        page = PageRequest.from_query(query)
        return Response(
            envelope_p(rows, page, lambda items: _auth_items(items, request))
        )


class OtpLogView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: AuthLogOut(many=True)}, tags=["logs"])
    def get(self, request: Request) -> Response:
        rows = otp_log_list(user_id=request.query_params.get("user_id"))
        page = PageRequest.from_query(request.query_params)
        return Response(
            envelope_p(rows, page, lambda items: _auth_items(items, request))
        )


class ValidationLogView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: ValidationLogOut(many=True)}, tags=["logs"])
    def get(self, request: Request) -> Response:
        rows = ValidationLogEntry.objects.order_by("-created_at", "-id")
        page = PageRequest.from_query(request.query_params)
        return Response(
            envelope_d(
                rows, page, lambda items: list(ValidationLogOut(items, many=True).data)
            )
        )


class AuditLogView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: AuditOut(many=True)}, tags=["logs"])
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = AuditEntry.objects.select_related("staff").order_by("-created_at", "-id")
        if query.get("entity"):
            rows = rows.filter(entity=query["entity"].strip().lower())
        if query.get("actor_id"):
            try:
                rows = rows.filter(staff_id=int(query["actor_id"]))
            except ValueError:
                rows = rows.none()
        page = PageRequest.from_query(query)
        return Response(
            envelope_d(rows, page, lambda items: list(AuditOut(items, many=True).data))
        )
