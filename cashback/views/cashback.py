"""`/cashback/*` (`staff-api.md` §6, `mobile-api.md` M8)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Client, Staff
from cashback import selectors
from cashback.exceptions import UserNotFound
from cashback.serializers import (
    CashbackListQuery,
    CashbackUseIn,
    CashbackUseOut,
    ClientCashbackOut,
    ManualCreditIn,
    TransactionOut,
    TransactionWithUserOut,
    transaction_data,
)
from cashback.services import manual_credit_create
from sardoba.api.pagination import PageRequest, envelope_p
from sardoba.api.permissions import IsClientOrStaff, IsManager
from sardoba.messages import message_texts

TAGS = ["cashback"]
IDEMPOTENCY_KEY_MAX = 255


class CashbackAddView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        request=ManualCreditIn,
        responses=TransactionOut,
        tags=TAGS,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request) -> Response:
        s = ManualCreditIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        client = Client.objects.filter(pk=data["user_id"]).first()
        if client is None:
            raise UserNotFound()
        key = request.headers.get("Idempotency-Key") or data.get("idempotency_key")
        if key and len(key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationError(
                {
                    "idempotency_key": [
                        "Ensure this field has no more than 255 characters."
                    ]
                }
            )
        result = manual_credit_create(
            client=client,
            staff=cast(Staff, request.user),
            amount=data["amount"],
            source=data["source"],
            branch_id=data["branch_id"],
            description=data.get("description"),
            idempotency_key=key or None,
            request=request,
        )
        response = Response(TransactionOut(result.entry).data)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class CashbackUseView(APIView):
    permission_classes = [IsManager]

    @extend_schema(request=CashbackUseIn, responses=CashbackUseOut, tags=TAGS)
    def post(self, request: Request) -> Response:
        s = CashbackUseIn(data=request.data)
        s.is_valid(raise_exception=True)
        balance = selectors.cashback_use_check(
            client_id=s.validated_data["user_id"], amount=s.validated_data["amount"]
        )
        return Response(
            {
                "can_use_cashback": True,
                "balance": balance,
                "message": message_texts("cashback_payment_available"),
            }
        )


class ClientCashbackView(APIView):
    permission_classes = [IsClientOrStaff]

    @extend_schema(responses=ClientCashbackOut, tags=TAGS)
    def get(self, request: Request, user_id: int) -> Response:
        client = selectors.client_get_for_cashback(
            actor=request.user, client_id=user_id
        )
        wallet = selectors.wallet_view(client=client)
        entries = selectors.ledger_entries_for_client(client_id=client.pk)
        return Response(
            {
                "loyalty": wallet.loyalty.as_dict(),
                "transactions": [transaction_data(entry) for entry in entries],
            }
        )


class CashbackListView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[CashbackListQuery],
        responses=TransactionWithUserOut(many=True),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        q = CashbackListQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        filters = q.validated_data
        entries = selectors.ledger_list_for_staff(
            search=filters.get("search") or None,
            branch_id=filters.get("branch"),
            client_id=filters.get("user_id"),
            source=filters.get("source") or None,
            kind=filters.get("kind") or None,
        )
        page = PageRequest.from_query(request.query_params, default_size=10)
        return Response(
            envelope_p(
                entries,
                page,
                lambda rows: list(TransactionWithUserOut(rows, many=True).data),
            )
        )
