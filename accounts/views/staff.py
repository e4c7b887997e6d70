"""Staff management (`staff-api.md` §3.5-3.9) and waiters (§4); managers only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.exceptions import NoFieldsProvided, StaffNotFound, WaiterNotFound
from accounts.models import BRANCH_LABELS, Staff, StaffRole
from accounts.selectors import staff_list, staff_with_counts, waiter_get, waiter_list
from accounts.serializers import StaffOut
from accounts.services.logs import audit_record
from accounts.services.staff import (
    referral_code_valid,
    staff_create,
    staff_delete,
    staff_referral_regenerate,
    staff_update,
)
from sardoba.api.pagination import PageRequest, envelope_p
from sardoba.api.permissions import IsManager

_BRANCH_ALIASES = {
    "geofizika": 139235,
    "g'ijduvon": 157757,
    "gijduvon": 157757,
    "g‘ijduvon": 157757,
    "severniy": 139350,
    "mk-5": 139458,
    "5mk": 139458,
    "mk5": 139458,
}


@extend_schema_field(OpenApiTypes.INT)
class BranchIdField(serializers.Field):
    def to_internal_value(self, data: Any) -> int | None:
        if data in (None, ""):
            return None
        try:
            value = int(str(data).strip())
        except ValueError:
            self.fail("invalid")
        if value not in BRANCH_LABELS:
            self.fail("invalid")
        return value

    def to_representation(self, value: Any) -> Any:
        return value

    default_error_messages = {"invalid": "Unknown branch."}


def branch_text_parse(text: Any) -> int | None:
    """A store id or a branch label, any case; `""` = none; else 422."""
    if text in (None, ""):
        return None
    raw = str(text).strip()
    if raw.isdigit() and int(raw) in BRANCH_LABELS:
        return int(raw)
    value = _BRANCH_ALIASES.get(raw.lower())
    if value is None:
        raise serializers.ValidationError({"branch": "Unknown branch."}, code="invalid")
    return value


class StaffIn(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32)
    role = serializers.ChoiceField(
        choices=["manager", "waiter", "MANAGER", "WAITER", "Manager", "Waiter"],
        required=False,
    )
    branch_id = BranchIdField(required=False, allow_null=True)
    branch = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    password = serializers.CharField(
        min_length=6,
        max_length=128,
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
    )
    referral_code = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=12
    )
    is_active = serializers.BooleanField(required=False)

    def validate_password(self, value: str | None) -> str | None:
        if value and not 6 <= len(value) <= 128:
            raise serializers.ValidationError(
                "Ensure this field has at least 6 characters."
            )
        return value or None

    def validate_referral_code(self, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not referral_code_valid(value):
            raise serializers.ValidationError(
                "Use 4-12 letters or digits.", code="invalid"
            )
        return value or None

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # "" passwords mean "unchanged": skip DRF's min_length on them.
        if isinstance(data, dict) and data.get("password") == "":
            data = {**data, "password": None}
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "branch_id" not in attrs and "branch" in attrs:
            attrs["branch_id"] = branch_text_parse(attrs["branch"])
        attrs.pop("branch", None)
        return attrs


def _staff_out(staff: Staff) -> dict[str, Any]:
    return StaffOut(staff_with_counts().get(pk=staff.pk)).data


def _staff_or_404(pk: int) -> Staff:
    staff = Staff.objects.not_deleted().filter(pk=pk).first()
    if staff is None:
        raise StaffNotFound()
    return staff


def _create(
    request: Request,
    *,
    default_role: str,
    require_password: bool,
    force_role: str | None = None,
) -> Response:
    s = StaffIn(data=request.data)
    s.is_valid(raise_exception=True)
    data = dict(s.validated_data)
    data.pop("is_active", None)
    if require_password and not data.get("password"):
        raise serializers.ValidationError(
            {"password": "This field is required."}, code="required"
        )
    data["role"] = force_role or data.get("role") or default_role
    staff = staff_create(**data)
    audit_record(
        staff=request.user,  # type: ignore[arg-type]
        action="create",
        entity="staff",
        entity_id=staff.pk,
        after={k: getattr(staff, k) for k in ("name", "phone", "role", "branch_id")},
        request=request,
    )
    return Response(_staff_out(staff), status=201)


def _update(
    request: Request, staff: Staff, *, partial_input: dict[str, Any]
) -> Response:
    staff, before, after = staff_update(
        staff=staff,
        changes=partial_input,
        actor=request.user,  # type: ignore[arg-type]
    )
    if after:
        audit_record(
            staff=request.user,  # type: ignore[arg-type]
            action="update",
            entity="staff",
            entity_id=staff.pk,
            before=before,
            after=after,
            request=request,
        )
    return Response(_staff_out(staff))


def _partial(request: Request) -> dict[str, Any]:
    s = StaffIn(data=request.data, partial=True)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _delete(request: Request, staff: Staff) -> Response:
    staff_delete(staff=staff, actor=request.user)  # type: ignore[arg-type]
    audit_record(
        staff=request.user,  # type: ignore[arg-type]
        action="delete",
        entity="staff",
        entity_id=staff.pk,
        request=request,
    )
    return Response(status=204)


class StaffCollectionView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: StaffOut(many=True)}, tags=["staff"])
    def get(self, request: Request) -> Response:
        rows = staff_list(
            search=request.query_params.get("search"),
            role=request.query_params.get("role"),
        )
        return Response(StaffOut(rows, many=True).data)

    @extend_schema(request=StaffIn, responses={201: StaffOut}, tags=["staff"])
    def post(self, request: Request) -> Response:
        return _create(request, default_role=StaffRole.WAITER, require_password=False)


class StaffItemView(APIView):
    permission_classes = [IsManager]

    @extend_schema(request=StaffIn, responses={200: StaffOut}, tags=["staff"])
    def patch(self, request: Request, staff_id: int) -> Response:
        staff = _staff_or_404(staff_id)
        return _update(request, staff, partial_input=_partial(request))

    @extend_schema(responses={204: None}, tags=["staff"])
    def delete(self, request: Request, staff_id: int) -> Response:
        return _delete(request, _staff_or_404(staff_id))


class StaffReferralRegenerateView(APIView):
    permission_classes = [IsManager]

    @extend_schema(request=None, responses={200: StaffOut}, tags=["staff"])
    def post(self, request: Request, staff_id: int) -> Response:
        try:
            waiter = waiter_get(waiter_id=staff_id)
        except WaiterNotFound:
            raise
        waiter, old = staff_referral_regenerate(staff=waiter)
        audit_record(
            staff=request.user,  # type: ignore[arg-type]
            action="regenerate_referral",
            entity="staff",
            entity_id=waiter.pk,
            before={"referral_code": old},
            after={"referral_code": waiter.referral_code},
            request=request,
        )
        return Response(_staff_out(waiter))


class WaiterCollectionView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: StaffOut(many=True)}, tags=["waiters"])
    def get(self, request: Request) -> Response:
        rows = waiter_list(
            search=request.query_params.get("search"),
            branch_id=request.query_params.get("branch_id"),
        )
        page = PageRequest.from_query(request.query_params)
        return Response(
            envelope_p(rows, page, lambda items: list(StaffOut(items, many=True).data))
        )

    @extend_schema(request=StaffIn, responses={201: StaffOut}, tags=["waiters"])
    def post(self, request: Request) -> Response:
        return _create(
            request,
            default_role=StaffRole.WAITER,
            require_password=True,
            force_role=StaffRole.WAITER,
        )


_WAITER_FIELDS = (
    "name",
    "phone",
    "password",
    "branch_id",
    "referral_code",
    "is_active",
)


class WaiterItemView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={200: StaffOut}, tags=["waiters"])
    def get(self, request: Request, waiter_id: int) -> Response:
        return Response(StaffOut(waiter_get(waiter_id=waiter_id)).data)

    @extend_schema(request=StaffIn, responses={200: StaffOut}, tags=["waiters"])
    def put(self, request: Request, waiter_id: int) -> Response:
        waiter = waiter_get(waiter_id=waiter_id)
        data = request.data if isinstance(request.data, dict) else {}
        if not any(key in data for key in _WAITER_FIELDS):
            raise NoFieldsProvided()
        changes = _partial(request)
        changes.pop("role", None)
        return _update(request, waiter, partial_input=changes)

    patch = put

    @extend_schema(responses={204: None}, tags=["waiters"])
    def delete(self, request: Request, waiter_id: int) -> Response:
        return _delete(request, waiter_get(waiter_id=waiter_id))
