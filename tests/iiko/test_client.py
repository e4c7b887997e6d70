"""The iiko client against a loopback stub: bodies, parsing, timeouts, retries, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction
from werkzeug import Response

from cashback.iiko import (
    TOKEN_CACHE_KEY,
    IikoBadResponse,
    IikoBusy,
    IikoClient,
    IikoNotConfigured,
    IikoRejected,
    IikoTimeout,
    IikoUnavailable,
    profile_body,
)
from tests.iiko.conftest import (
    CARD_ADD,
    CREATE,
    INFO,
    ORG,
    TOPUP,
    paths,
    received,
)


def test_not_configured_sends_nothing(settings, httpserver):
    # given
    settings.IIKO_API_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.IIKO_API_LOGIN = ""
    settings.IIKO_ORGANIZATION_ID = "org-1"
    # when / then
    with pytest.raises(IikoNotConfigured):
        IikoClient().customer_info(phone="+998901112233")
    assert httpserver.log == []


def test_proxy_secret_header_only_when_set(iiko, settings):
    # given
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    IikoClient().customer_info(phone="+998901112233")
    settings.IIKO_PROXY_SECRET = "proxy-s3cret"
    # when
    IikoClient().customer_info(phone="+998901112233")
    # then
    headers = [req.headers.get("x-iiko-proxy-secret") for req, _ in iiko.log]
    assert headers == [None, None, "proxy-s3cret"]


def test_customer_info_body_and_parsing(iiko):
    # given
    iiko.expect_request(INFO).respond_with_json(
        {
            "customerId": "cust-9",
            "name": "Ali",
            "birthday": "1995-03-15 00:00:00.000",
            "gender": 2,
            "walletBalances": [{"walletId": "w1", "type": 1, "balance": 15.5}],
            "cards": [{"cardId": "k1", "number": "8600 1234", "track": "77"}],
        }
    )
    # when
    customer = IikoClient().customer_info(phone="+998901112233")
    # then
    assert received(iiko, INFO) == [
        {"organizationId": ORG, "phone": "+998901112233", "type": "phone"}
    ]
    assert (customer.id, customer.birthday, customer.gender) == (
        "cust-9",
        dt.date(1995, 3, 15),
        "female",
    )
    assert customer.main_wallet.id == "w1"
    assert customer.main_wallet.balance == 16
    assert [(c.id, c.number, c.track) for c in customer.cards] == [
        ("k1", "86001234", "77")
    ]


@pytest.mark.parametrize("status", [400, 404])
def test_customer_info_not_found(iiko, status):
    iiko.expect_request(INFO).respond_with_json(
        {"errorDescription": "x"}, status=status
    )
    assert IikoClient().customer_info(phone="+998901112233") is None


def test_create_body_has_only_fields_with_a_value(iiko):
    # given
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-new"})
    profile = profile_body(
        phone="+998901112233",
        name="Ali",
        surname="",
        middle_name=None,
        full_name="Ali",
        birthday=dt.date(1995, 3, 5),
        email=None,
        gender="female",
    )
    # when
    customer_id = IikoClient().customer_create_or_update(
        profile=profile, comment="CASHBACK MOBILE APP CLIENT"
    )
    # then
    assert customer_id == "cust-new"
    assert received(iiko, CREATE) == [
        {
            "organizationId": ORG,
            "phone": "+998901112233",
            "name": "Ali",
            "fullName": "Ali",
            "birthday": "1995-03-05T00:00:00.000",
            "sex": 2,
            "comment": "CASHBACK MOBILE APP CLIENT",
        }
    ]


@pytest.mark.parametrize(
    ("gender", "sex"), [("male", 1), ("Female", 2), ("other", 0), (None, None)]
)
def test_sex_mapping(gender, sex):
    body = profile_body(phone="+998901112233", gender=gender)
    assert body.get("sex") == sex


def test_card_add_and_topup_bodies(iiko):
    # given
    iiko.expect_request(CARD_ADD).respond_with_json({"id": "card-1"})
    iiko.expect_request(TOPUP).respond_with_json({})
    client = IikoClient()
    # when
    card_id = client.card_add(customer_id="c1", card_number="8600111", card_track="222")
    client.wallet_topup(customer_id="c1", wallet_id="w1", amount=15000, comment="e#5")
    # then
    assert card_id == "card-1"
    assert received(iiko, CARD_ADD) == [
        {
            "organizationId": ORG,
            "customerId": "c1",
            "cardTrack": "222",
            "cardNumber": "8600111",
        }
    ]
    assert received(iiko, TOPUP) == [
        {
            "organizationId": ORG,
            "customerId": "c1",
            "walletId": "w1",
            "sum": 15000,
            "comment": "e#5",
        }
    ]


@pytest.mark.parametrize(
    ("respond", "error"),
    [
        (lambda r: r.respond_with_json({"x": 1}, status=502), IikoUnavailable),
        (lambda r: r.respond_with_data("<html>", status=200), IikoBadResponse),
        (lambda r: r.respond_with_json([1, 2], status=200), IikoBadResponse),
        (
            lambda r: r.respond_with_json(
                {"errorDescription": "bad phone"}, status=422
            ),
            IikoRejected,
        ),
        (lambda r: r.respond_with_json({}, status=429), IikoBusy),
    ],
)
def test_error_answers_are_mapped_without_retry(iiko, respond, error):
    # given
    respond(iiko.expect_request(CREATE))
    # when / then
    with pytest.raises(error):
        IikoClient().customer_create_or_update(profile={"phone": "+998901112233"})
    assert paths(iiko).count(CREATE) == 1


def test_iiko_message_is_kept_for_a_refusal(iiko):
    iiko.expect_request(CREATE).respond_with_response(
        Response('{"errorDescription": "Phone is invalid"}', status=400)
    )
    with pytest.raises(IikoRejected, match="Phone is invalid"):
        IikoClient().customer_create_or_update(profile={"phone": "+998901112233"})


def test_connection_error_is_retried_once(raw_iiko):
    # given: a server that drops every connection
    server = raw_iiko("drop")
    cache.set(TOKEN_CACHE_KEY, "tok-1", 600)
    # when / then
    with pytest.raises(IikoUnavailable):
        IikoClient().customer_create_or_update(profile={"phone": "+998901112233"})
    assert server.connections == 2


def test_read_timeout_is_retried_once_for_read_only_calls(raw_iiko):
    # given: a server that never answers
    server = raw_iiko("stall")
    cache.set(TOKEN_CACHE_KEY, "tok-1", 600)
    # when / then
    with pytest.raises(IikoTimeout):
        IikoClient().customer_info(phone="+998901112233")
    assert server.connections == 2


def test_read_timeout_is_not_retried_for_writes(raw_iiko):
    server = raw_iiko("stall")
    cache.set(TOKEN_CACHE_KEY, "tok-1", 600)
    with pytest.raises(IikoTimeout):
        IikoClient().wallet_topup(customer_id="c", wallet_id="w", amount=1, comment="x")
    assert server.connections == 1


def test_never_called_inside_a_transaction(iiko, db):
    with transaction.atomic(), pytest.raises(RuntimeError):
        IikoClient().customer_info(phone="+998901112233")
    assert iiko.log == []
