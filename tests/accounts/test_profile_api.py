"""Profile routes: /auth/me (M3), PUT /users/me (M5), deletion (M6, M6a), photo (M7)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import Client, DeletedPhone, StoredFile
from accounts.tokens import token_pair_issue
from cashback.models import IikoJob, Wallet
from cashback.services import card_create, wallet_get_or_create
from notifications.models import DeviceRegistration
from tests.accounts.helpers import PHONE, assert_error, request_otp, verify_otp

pytestmark = pytest.mark.django_db

PROFILE_KEYS = {
    "id",
    "name",
    "surname",
    "middleName",
    "phone",
    "date_of_birth",
    "profile_photo_url",
    "waiter_id",
    "cashback_balance",
    "level",
    "giftget",
    "email",
    "gender",
    "is_active",
    "is_deleted",
    "cards",
    "created_at",
    "updated_at",
}


def _png(name="me.png", fmt="PNG", size=(8, 8)):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, format=fmt)
    buf.seek(0)
    buf.name = name
    return buf


def test_me_client_shape(auth_client, user, waiter):
    # given
    user.waiter = waiter
    user.date_of_birth = dt.date(1995, 3, 15)
    user.save()
    wallet_get_or_create(client=user)
    first, second = card_create(client=user), card_create(client=user)
    # when
    response = auth_client.get("/api/v1/auth/me")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "CLIENT"
    profile = body["profile"]
    assert set(profile) == PROFILE_KEYS
    assert profile["id"] == user.pk
    assert profile["phone"] == PHONE
    assert profile["middleName"] is None
    assert profile["date_of_birth"] == "15.03.1995"
    assert profile["waiter_id"] == waiter.pk
    assert (profile["cashback_balance"], profile["level"], profile["giftget"]) == (
        0,
        "SILVER",
        False,
    )
    assert [c["id"] for c in profile["cards"]] == [first.pk, second.pk]
    assert profile["created_at"].endswith("+05:00")
    assert body["cashback"]["cards"] == profile["cards"]
    assert body["cashback"]["balance"] == 0
    assert "points_balance" not in profile


def test_me_queues_sync_at_most_once_per_five_minutes(auth_client, user):
    auth_client.get("/api/v1/auth/me")
    auth_client.get("/api/v1/auth/me")
    assert IikoJob.objects.filter(client=user, operation="sync_user").count() == 1
    assert cache.get(f"iiko:sync:last:{user.pk}")


def test_me_query_count_is_constant(auth_client, user, django_assert_num_queries):
    wallet_get_or_create(client=user)
    cache.set(f"iiko:sync:last:{user.pk}", "x", 300)
    card_create(client=user)
    # The token's client with its wallet joined, its cards, the ledger page: the
    # profile and the cashback block reuse that client, wallet and cards (issue 9).
    with django_assert_num_queries(3):
        auth_client.get("/api/v1/auth/me")
    for _ in range(5):
        card_create(client=user)
    with django_assert_num_queries(3):
        assert len(auth_client.get("/api/v1/auth/me").json()["profile"]["cards"]) == 6


def test_me_staff_variant(waiter_client, waiter, user):
    user.waiter = waiter
    user.save()
    body = waiter_client.get("/api/v1/auth/me").json()
    assert body["type"] == "STAFF"
    assert body["profile"]["id"] == waiter.pk
    assert body["profile"]["clients_count"] == 1
    assert [c["id"] for c in body["clients"]] == [user.pk]


def test_me_manager_has_no_clients(manager_client):
    body = manager_client.get("/api/v1/auth/me").json()
    assert body["profile"]["role"] == "MANAGER"
    assert "clients" not in body


def test_me_anonymous_is_401(api_client):
    assert_error(api_client.get("/api/v1/auth/me"), 401, "not_authenticated")


def test_put_users_me(auth_client, user):
    # when
    response = auth_client.put(
        "/api/v1/users/me",
        {
            "name": " Vali ",
            "surname": "",
            "middleName": "Aka",
            "middle_name": "ignored",
            "date_of_birth": "2000-01-02",
            "email": "vali@example.uz",
            "gender": "male",
            "unknown": 1,
        },
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_KEYS
    assert (body["name"], body["surname"], body["middleName"]) == ("Vali", None, "Aka")
    assert body["date_of_birth"] == "02.01.2000"
    job = IikoJob.objects.get(client=user, operation="flush_profile")
    assert job.payload["fields"]["name"] == "Vali"
    assert job.payload["fields"]["date_of_birth"] == "2000-01-02"


def test_put_users_me_nothing_recognised(auth_client, user):
    response = auth_client.put("/api/v1/users/me", {"foo": "bar"})
    assert response.status_code == 200
    assert response.json()["name"] == "Ali"
    assert not IikoJob.objects.exists()


@pytest.mark.parametrize(
    ("_case", "body", "status", "code"),
    [
        ("blank name", {"name": "  "}, 422, "name_required"),
        ("bad date", {"date_of_birth": "1/2/3"}, 422, "invalid_date"),
        ("future date", {"date_of_birth": "2999-01-01"}, 422, "invalid_date"),
        ("bad email", {"email": "nope"}, 422, "invalid_email"),
    ],
)
def test_put_users_me_errors(auth_client, user, _case, body, status, code):
    assert_error(auth_client.put("/api/v1/users/me", body), status, code)
    user.refresh_from_db()
    assert user.name == "Ali"


def test_put_users_me_email_taken(auth_client, user):
    Client.objects.create(phone="+998901111111", email="Taken@example.uz")
    assert_error(
        auth_client.put("/api/v1/users/me", {"email": "taken@example.uz"}),
        409,
        "email_taken",
    )


def test_put_users_me_staff_token_is_403(manager_client):
    assert_error(manager_client.put("/api/v1/users/me", {}), 403, "permission_denied")


def test_delete_users_me_then_reregister(
    auth_client, user, django_capture_on_commit_callbacks, settings
):
    # given a photo, a device and an e-mail
    assert (
        auth_client.post(
            "/api/v1/files/profile-photo", {"file": _png()}, format="multipart"
        ).status_code
        == 201
    )
    photo = StoredFile.objects.get(owner=user)
    DeviceRegistration.objects.create(client=user, device_type="android")
    Client.objects.filter(pk=user.pk).update(email="a@b.uz")
    token = token_pair_issue(actor=user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete("/api/v1/users/me")
    # then
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.is_deleted
    assert user.phone.startswith("+999")
    assert len(user.phone) == 13
    assert (user.email, user.profile_photo_url) == (None, None)
    assert DeletedPhone.objects.get(client=user).phone == PHONE
    assert not DeviceRegistration.objects.filter(client=user).exists()
    assert not default_storage.exists(f"profile_photos/{photo.name}")
    job = IikoJob.objects.get(client=user, operation="mark_deleted")
    assert (job.payload["phone"], job.payload["released_phone"]) == (user.phone, PHONE)
    # every token refused
    assert_error(auth_client.get("/api/v1/auth/me"), 401, "user_not_found")
    assert_error(
        APIClient().post(
            "/api/v1/auth/refresh", {"refresh_token": token.refresh_token}
        ),
        401,
        "user_not_found",
    )
    # login with the old phone: not registered; register: a brand-new client
    api = APIClient()
    assert_error(request_otp(api), 404, "user_not_registered")
    assert request_otp(api, purpose="register").status_code == 204
    assert verify_otp(api, purpose="register", name="New").status_code == 200
    new = Client.objects.get(phone=PHONE)
    assert new.pk != user.pk
    assert Wallet.objects.get(client=new).balance == 0


def test_legacy_delete_and_idempotence(auth_client, user):
    response = auth_client.delete("/api/v1/user/delete")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    from accounts.services.clients import client_delete

    phone = Client.objects.get(pk=user.pk).phone
    client_delete(client=user)
    assert Client.objects.get(pk=user.pk).phone == phone
    assert DeletedPhone.objects.count() == 1


def test_delete_closes_sockets_after_commit(
    auth_client, user, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    # given a socket of the client listening on its group
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"user.{user.pk}", channel)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete("/api/v1/users/me").status_code == 204
    # then
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "account.closed", "code": 4003}
    async_to_sync(layer.group_discard)(f"user.{user.pk}", channel)


def test_photo_upload_serve_replace_delete(
    auth_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = auth_client.post(
            "/api/v1/files/profile-photo", {"file": _png()}, format="multipart"
        )
    assert first.status_code == 201
    url = first.json()["profile_photo_url"]
    assert url.startswith("http://testserver/api/v1/files/profile-photo/")
    name = url.rsplit("/", 1)[-1]
    assert len(name) == len("0" * 32 + ".png")
    served = APIClient().get(f"/api/v1/files/profile-photo/{name}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert "max-age" in served["Cache-Control"]
    # replace: the old file is gone
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(
            "/api/v1/files/profile-photo",
            {"file": _png("x.jpg", "JPEG")},
            format="multipart",
        )
    assert not default_storage.exists(f"profile_photos/{name}")
    assert StoredFile.objects.filter(owner=user).count() == 1
    # delete
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete("/api/v1/files/profile-photo").status_code == 204
    assert Client.objects.get(pk=user.pk).profile_photo_url is None
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize(
    ("_case", "payload", "status", "code"),
    [
        ("no file", {}, 400, "missing_filename"),
        ("not an image", {"file": ("a.png", b"hello")}, 400, "unsupported_file_type"),
        ("empty", {"file": ("a.png", b"")}, 400, "empty_file"),
        ("bad extension", {"file": ("a.gif", None)}, 400, "unsupported_file_type"),
    ],
)
def test_photo_upload_errors(auth_client, user, _case, payload, status, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {}
    if "file" in payload:
        name, content = payload["file"]
        content = _png().getvalue() if content is None else content
        data["file"] = SimpleUploadedFile(name, content)
    response = auth_client.post("/api/v1/files/profile-photo", data, format="multipart")
    assert_error(response, status, code)
    assert not StoredFile.objects.exists()


def test_photo_too_large(auth_client, user, settings):
    settings.FILE_MAX_UPLOAD_MB = 0
    response = auth_client.post(
        "/api/v1/files/profile-photo", {"file": _png()}, format="multipart"
    )
    assert_error(response, 413, "file_too_large")


def test_manager_uploads_for_a_client(manager_client, manager, user):
    response = manager_client.post(
        "/api/v1/files/profile-photo",
        {"file": _png(), "user_id": str(user.pk)},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["id"] == user.pk
    assert StoredFile.objects.get().uploaded_by_id == manager.pk


def test_photo_staff_errors(manager_client, waiter_client, user):
    assert_error(
        waiter_client.post(
            "/api/v1/files/profile-photo",
            {"file": _png(), "user_id": user.pk},
            format="multipart",
        ),
        403,
        "managers_only",
    )
    assert_error(
        manager_client.post(
            "/api/v1/files/profile-photo",
            {"file": _png(), "user_id": 999999},
            format="multipart",
        ),
        404,
        "user_not_found",
    )
    response = manager_client.post(
        "/api/v1/files/profile-photo", {"file": _png()}, format="multipart"
    )
    assert response.status_code == 422
    assert not StoredFile.objects.exists()


def test_serving_unknown_photo_is_404(api_client):
    assert_error(
        api_client.get("/api/v1/files/profile-photo/nope.png"), 404, "file_not_found"
    )


def test_deactivated_client_token_refused(auth_client, user):
    Client.objects.filter(pk=user.pk).update(is_active=False)
    assert_error(auth_client.get("/api/v1/auth/me"), 401, "account_inactive")
    assert_error(auth_client.put("/api/v1/users/me", {}), 401, "account_inactive")


@pytest.fixture
def broken_redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
            },
        }
    }


def test_me_survives_a_cache_outage(auth_client, user, broken_redis_cache):
    response = auth_client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert not IikoJob.objects.exists()
