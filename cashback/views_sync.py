"""Manager sync endpoints (`staff-api.md` §14): thin views over the iiko job services."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cashback.services.iiko_sync_now import client_sync_now, clients_sync_queue
from sardoba.api.permissions import IsManager, IsStaff


class SyncOperationOut(serializers.Serializer):
    operation = serializers.CharField()
    status = serializers.CharField()


class SyncResultOut(serializers.Serializer):
    success = serializers.BooleanField()
    updated = serializers.BooleanField()
    changed_fields = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(allow_null=True)
    operations = SyncOperationOut(many=True)
    user_id = serializers.IntegerField()
    phone = serializers.CharField(allow_null=True)
    iiko_customer_id = serializers.CharField(allow_null=True)
    iiko_wallet_id = serializers.CharField(allow_null=True)


class UserSyncView(APIView):
    """`POST /admin/sync/users/{user_id}`: sync one client now (at most 15 s)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="admin_sync_user",
        request=None,
        responses=SyncResultOut,
        tags=["iiko sync"],
    )
    def post(self, request: Request, user_id: int) -> Response:
        result = client_sync_now(
            staff=request.user,  # type: ignore[arg-type]  # IsStaff guarantees Staff
            client_id=user_id,
            request=request,
        )
        return Response(
            SyncResultOut({**asdict(result), "updated": result.updated}).data
        )


class UsersSyncView(APIView):
    """`POST /admin/sync/users`: queue a `sync_user` for every active client."""

    permission_classes = [IsManager]

    @extend_schema(
        operation_id="admin_sync_users",
        request=None,
        responses=inline_serializer(
            "UsersSyncQueued",
            fields={
                "status": serializers.CharField(),
                "queued": serializers.IntegerField(),
            },
        ),
        tags=["iiko sync"],
    )
    def post(self, request: Request) -> Response:
        queued = clients_sync_queue(
            staff=request.user,  # type: ignore[arg-type]  # IsManager guarantees Staff
            request=request,
        )
        return Response({"status": "queued", "queued": queued})
