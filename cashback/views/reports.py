"""Stats, analytics, dashboard and report files (`staff-api.md` §6.5-6.7, §7, §8, §15)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cashback import exports, reports
from cashback.views.negotiation import FirstRendererNegotiation
from sardoba.api.permissions import IsManager

TAGS = ["stats"]
_DATETIME = serializers.DateTimeField()


def local_iso(value: dt.datetime) -> str:
    """A datetime as the API renders it (Asia/Tashkent, `+05:00`)."""
    return _DATETIME.to_representation(value)


def _limit(request: Request, *, default: int, maximum: int) -> int:
    try:
        value = int(str(request.query_params.get("limit", default)).strip())
    except ValueError:
        value = default
    return min(max(value, 1), maximum)


_LIMIT = OpenApiParameter("limit", int, description="clamped to the route's range")

_WaiterStat = inline_serializer(
    "WaiterStat",
    many=True,
    fields={
        "staff_id": serializers.IntegerField(),
        "staff_name": serializers.CharField(),
        "clients_count": serializers.IntegerField(),
        "transactions": serializers.IntegerField(),
        "total_cashback": serializers.IntegerField(),
    },
)
_TopUserBrief = inline_serializer(
    "TopUserBrief",
    fields={
        "id": serializers.IntegerField(),
        "name": serializers.CharField(allow_null=True),
        "first_name": serializers.CharField(),
        "last_name": serializers.CharField(),
        "phone": serializers.CharField(),
        "waiter_id": serializers.IntegerField(allow_null=True),
        "level": serializers.CharField(),
        "cashback_balance": serializers.IntegerField(),
    },
)
_TopUser = inline_serializer(
    "TopUser",
    many=True,
    fields={
        "user": _TopUserBrief,
        "total_cashback": serializers.IntegerField(),
        "transactions": serializers.IntegerField(),
    },
)


class LoyaltyAnalyticsView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=TAGS)
    def get(self, request: Request) -> Response:
        body = reports.loyalty_analytics()
        for item in body["nearNextTier"]:
            item["user"]["created_at"] = local_iso(item["user"]["created_at"])
        return Response(body)


class WaiterStatsView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=_WaiterStat, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "staff_id": f.staff_id,
                    "staff_name": f.staff_name,
                    "clients_count": f.clients_count,
                    "transactions": f.transactions,
                    "total_cashback": f.total_cashback,
                }
                for f in reports.waiter_figures()
            ]
        )


class StatsWaitersView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        responses=inline_serializer(
            "WaiterTotal",
            many=True,
            fields={
                "waiter_id": serializers.IntegerField(),
                "waiter_name": serializers.CharField(),
                "total_cashback": serializers.IntegerField(),
            },
        ),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "waiter_id": f.staff_id,
                    "waiter_name": f.staff_name,
                    "total_cashback": f.total_cashback,
                }
                for f in reports.waiter_figures()
            ]
        )


class TopUsersView(APIView):
    permission_classes = [IsManager]

    @extend_schema(parameters=[_LIMIT], responses=_TopUser, tags=TAGS)
    def get(self, request: Request) -> Response:
        limit = _limit(request, default=10, maximum=50)
        return Response(
            [reports.top_user_item(c) for c in reports.top_clients(limit=limit)]
        )


class StatsTopUsersView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[_LIMIT],
        responses=inline_serializer(
            "UserTotal",
            many=True,
            fields={
                "user_id": serializers.IntegerField(),
                "user_name": serializers.CharField(),
                "phone": serializers.CharField(),
                "total_cashback": serializers.IntegerField(),
            },
        ),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        limit = _limit(request, default=10, maximum=100)
        return Response(
            [
                {
                    "user_id": c.pk,
                    "user_name": c.full_name,
                    "phone": c.phone,
                    "total_cashback": int(getattr(c, "total_cashback", 0)),
                }
                for c in reports.top_clients(limit=limit)
            ]
        )


class DashboardMetricsView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["dashboard"])
    def get(self, request: Request) -> Response:
        return Response(reports.dashboard_metrics())


class DashboardActivityView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        responses=inline_serializer(
            "ActivityItem",
            many=True,
            fields={
                "id": serializers.CharField(),
                "type": serializers.CharField(),
                "description": serializers.CharField(),
                "created_at": serializers.DateTimeField(),
                "status": serializers.CharField(),
            },
        ),
        tags=["dashboard"],
    )
    def get(self, request: Request) -> Response:
        items = reports.dashboard_activity()
        for item in items:
            item["created_at"] = local_iso(item["created_at"])
        return Response(items)


class ExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)


class CashbackExportQuery(ExportQuery):
    date_from = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])

    def to_internal_value(self, data: Any) -> Any:
        renamed = {k: v for k, v in data.items() if k in ("format",)}
        if "from" in data:
            renamed["date_from"] = data["from"]
        if "to" in data:
            renamed["date_to"] = data["to"]
        return super().to_internal_value(renamed)


def _file_response(
    *, name: str, file_format: str, header: Any, rows: Any
) -> StreamingHttpResponse | FileResponse:
    filename = f"{name}.{file_format}"
    if file_format == "csv":
        response: Any = StreamingHttpResponse(
            exports.csv_stream(header, rows), content_type=exports.CSV_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    handle = exports.xlsx_file(name, header, rows)
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type=exports.XLSX_TYPE
    )


_FILE = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class UsersExportView(APIView):
    permission_classes = [IsManager]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(parameters=[ExportQuery], responses=_FILE, tags=["reports"])
    def get(self, request: Request) -> Any:
        q = ExportQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        rows = map(exports.user_row, exports.iterate(reports.clients_for_export()))
        return _file_response(
            name="users",
            file_format=q.validated_data.get("format", "csv"),
            header=exports.USERS_HEADER,
            rows=rows,
        )


class CashbackExportView(APIView):
    permission_classes = [IsManager]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        parameters=[
            ExportQuery,
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses=_FILE,
        tags=["reports"],
    )
    def get(self, request: Request) -> Any:
        q = CashbackExportQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        entries = reports.ledger_for_export(
            date_from=q.validated_data.get("date_from"),
            date_to=q.validated_data.get("date_to"),
        )
        return _file_response(
            name="cashback",
            file_format=q.validated_data.get("format", "xlsx"),
            header=exports.CASHBACK_HEADER,
            rows=map(exports.cashback_row, exports.iterate(entries)),
        )
