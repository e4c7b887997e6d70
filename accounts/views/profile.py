"""The client's own profile: edit (M5), delete (M6, M6a), photo (M7, M7a, M7b)."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.exceptions import FileNotFound, UserNotFound
from accounts.models import Client, Staff
from accounts.selectors import client_profile_get
from accounts.serializers import ClientProfileOut, profile_changes_parse
from accounts.services.clients import (
    PROFILE_PHOTO_DIR,
    client_delete,
    client_photo_clear,
    client_photo_set,
    client_profile_update,
)
from accounts.services.logs import audit_record
from sardoba.api.permissions import IsClient, IsClientOrStaff
from sardoba.exceptions import ManagersOnly


def profile_response(client_id: int, request: Request, status: int = 200) -> Response:
    client = client_profile_get(client_id=client_id)
    return Response(
        ClientProfileOut(client, context={"request": request}).data, status=status
    )


class UsersMeView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        request=inline_serializer(
            "ProfileUpdateIn",
            {
                "name": serializers.CharField(required=False),
                "surname": serializers.CharField(required=False),
                "middleName": serializers.CharField(required=False),
                "date_of_birth": serializers.CharField(required=False),
                "email": serializers.CharField(required=False),
                "gender": serializers.CharField(required=False),
            },
        ),
        responses={200: ClientProfileOut},
        tags=["profile"],
    )
    def put(self, request: Request) -> Response:
        changes = profile_changes_parse(request.data)
        client: Client = request.user  # type: ignore[assignment]
        client_profile_update(client=client, changes=changes)
        return profile_response(client.pk, request)

    @extend_schema(responses={204: None}, tags=["profile"])
    def delete(self, request: Request) -> Response:
        client_delete(client=request.user, request=request)  # type: ignore[arg-type]
        return Response(status=204)


class UserDeleteLegacyView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        responses={
            200: inline_serializer("DeleteOk", {"success": serializers.BooleanField()})
        },
        tags=["profile"],
    )
    def delete(self, request: Request) -> Response:
        client_delete(client=request.user, request=request)  # type: ignore[arg-type]
        return Response({"success": True})


class ProfilePhotoView(APIView):
    permission_classes = [IsClientOrStaff]

    def _target(self, request: Request) -> tuple[Client, Staff | None]:
        actor = request.user
        if isinstance(actor, Client):
            return actor, None
        if not isinstance(actor, Staff) or not actor.is_manager:
            raise ManagersOnly()
        raw = request.data.get("user_id") if hasattr(request.data, "get") else None
        if raw in (None, ""):
            raise serializers.ValidationError(
                {"user_id": "This field is required."}, code="required"
            )
        try:
            pk = int(str(raw).strip())
        except ValueError as exc:
            raise serializers.ValidationError(
                {"user_id": "A valid integer is required."}, code="invalid"
            ) from exc
        client = Client.objects.filter(pk=pk, is_deleted=False).first()
        if client is None:
            raise UserNotFound()
        return client, actor

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ProfilePhotoIn",
                {
                    "file": serializers.FileField(),
                    "user_id": serializers.IntegerField(required=False),
                },
            )
        },
        responses={201: ClientProfileOut},
        tags=["profile"],
    )
    def post(self, request: Request) -> Response:
        client, staff = self._target(request)
        client = client_photo_set(
            client=client, upload=request.FILES.get("file"), staff=staff
        )
        if staff is not None:
            audit_record(
                staff=staff,
                action="update",
                entity="user",
                entity_id=client.pk,
                after={"profile_photo_url": client.profile_photo_url},
                request=request,
            )
        return profile_response(client.pk, request, status=201)

    @extend_schema(responses={204: None}, tags=["profile"])
    def delete(self, request: Request) -> Response:
        if not isinstance(request.user, Client):
            from sardoba.exceptions import PermissionDenied

            raise PermissionDenied()
        client_photo_clear(client=request.user)
        return Response(status=204)


class ProfilePhotoFileView(APIView):
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: OpenApiResponse(description="image bytes")}, tags=["profile"]
    )
    def get(self, request: Request, file_name: str) -> Any:
        name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
        path = f"{PROFILE_PHOTO_DIR}/{name}"
        if not name or name.startswith(".") or not default_storage.exists(path):
            raise FileNotFound()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = FileResponse(
            default_storage.open(path, "rb"), content_type=content_type
        )
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
