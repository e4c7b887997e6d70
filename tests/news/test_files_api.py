"""News images and the media library (`staff-api.md` §10, `domain-rules.md` §12)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from model_bakery import baker
from PIL import Image

from accounts.models import AuditEntry, Client, FileKind, StoredFile
from news.models import NewsItem

pytestmark = pytest.mark.django_db


def _image_bytes(fmt="JPEG", exif=False):
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    kwargs = {}
    if exif:
        e = Image.Exif()
        e[0x010F] = "SecretCam"
        kwargs["exif"] = e
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _upload(
    client,
    part="image",
    name="photo.jpg",
    content=None,
    path="/api/v1/files/news_images",
):
    data = {
        part: SimpleUploadedFile(
            name, content if content is not None else _image_bytes(), "image/jpeg"
        )
    }
    return client.post(path, data, format="multipart")


@pytest.mark.parametrize(
    ("path", "part"),
    [
        ("/api/v1/files/news_images", "image"),
        ("/api/v1/files/news-images", "file"),
        ("/api/v1/files/news-image", "news_image"),
        ("/api/v1/files/news_image", "image"),
    ],
)
def test_upload_stores_a_reencoded_image(manager_client, manager, path, part):
    # when
    response = _upload(
        manager_client, part=part, path=path, content=_image_bytes(exif=True)
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(rf"[0-9a-f]{{32}}-{manager.pk}\.jpg", body["name"])
    assert (
        body["image_url"]
        == f"http://testserver/api/v1/files/news_images/{body['name']}"
    )
    assert body["url"] == body["image_url"]
    record = StoredFile.objects.get(pk=body["id"])
    assert (record.kind, record.mime_type, record.uploaded_by) == (
        FileKind.NEWS_IMAGE,
        "image/jpeg",
        manager,
    )
    assert record.url == f"/api/v1/files/news_images/{body['name']}"
    with default_storage.open(f"news_images/{body['name']}") as handle:
        stored = handle.read()
    assert record.size == len(stored)
    assert b"SecretCam" not in stored
    assert AuditEntry.objects.get(entity="file", action="create").staff == manager


@pytest.mark.parametrize(
    ("_case", "name", "content", "status", "code"),
    [
        (
            "text named jpg",
            "evil.jpg",
            b"just some text, not an image",
            400,
            "unsupported_file_type",
        ),
        ("empty", "empty.jpg", b"", 400, "empty_file"),
        ("gif", "anim.gif", b"GIF89a....", 400, "unsupported_file_type"),
    ],
)
def test_upload_refuses_bad_files(manager_client, _case, name, content, status, code):
    response = _upload(manager_client, name=name, content=content)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not StoredFile.objects.exists()
    assert not default_storage.exists("news_images") or default_storage.listdir(
        "news_images"
    ) == ([], [])


def test_upload_without_a_part_is_missing_filename(manager_client):
    response = manager_client.post(
        "/api/v1/files/news_images", {"other": "x"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "missing_filename"


def test_upload_too_large(manager_client, settings):
    settings.FILE_MAX_UPLOAD_MB = 0
    response = _upload(manager_client)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize(
    ("_case", "client_fixture", "status", "code"),
    [
        ("anonymous", "api_client", 401, "not_authenticated"),
        ("client", "auth_client", 403, "permission_denied"),
        ("waiter", "waiter_client", 403, "managers_only"),
    ],
)
def test_file_routes_need_a_manager(
    request, manager_client, _case, client_fixture, status, code
):
    name = _upload(manager_client).json()["name"]
    record = StoredFile.objects.get()
    client = request.getfixturevalue(client_fixture)
    for response in (
        _upload(client),
        client.get("/api/v1/files"),
        client.delete(f"/api/v1/files/news_images/{name}"),
        client.delete(f"/api/v1/files/{record.pk}"),
    ):
        assert response.status_code == status
        assert response.json()["code"] == code
    assert StoredFile.objects.count() == 1
    assert default_storage.exists(f"news_images/{name}")


def test_public_download_with_long_cache(api_client, manager_client):
    name = _upload(manager_client).json()["name"]
    for path in (
        f"/api/v1/files/news_images/{name}",
        f"/api/v1/files/news-image/{name}",
    ):
        response = api_client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "max-age=31536000" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    missing = api_client.get("/api/v1/files/news_images/nope.jpg")
    assert missing.status_code == 404
    assert missing.json()["code"] == "file_not_found"
    traversal = api_client.get("/api/v1/files/news_images/..%2F..%2Fsettings.py")
    assert traversal.status_code == 404


def test_delete_by_name_clears_news_references(
    manager_client, api_client, django_capture_on_commit_callbacks
):
    name = _upload(manager_client).json()["name"]
    item = baker.make(
        NewsItem, description="d", image_url=f"/api/v1/files/news_images/{name}"
    )
    assert api_client.get("/api/v1/news").json()[0]["image_url"].endswith(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.delete(f"/api/v1/files/news_images/{name}")
    assert response.status_code == 204
    item.refresh_from_db()
    assert item.image_url is None
    assert not StoredFile.objects.exists()
    assert not default_storage.exists(f"news_images/{name}")
    assert api_client.get("/api/v1/news").json()[0]["image_url"] is None
    again = manager_client.delete(f"/api/v1/files/news_images/{name}")
    assert again.status_code == 404
    assert again.json()["code"] == "file_not_found"


def test_media_library_lists_records_with_references(
    manager_client, django_assert_num_queries
):
    # given
    names = [_upload(manager_client).json()["name"] for _ in range(3)]
    news = baker.make(
        NewsItem, description="d", image_url=f"/api/v1/files/news_images/{names[0]}"
    )
    photo_owner = Client.objects.create(
        phone="+998901112233", profile_photo_url="/api/v1/files/profile-photo/p.jpg"
    )
    StoredFile.objects.create(
        kind=FileKind.PROFILE_PHOTO,
        name="p.jpg",
        mime_type="image/jpeg",
        size=10,
        url="/api/v1/files/profile-photo/p.jpg",
        owner=photo_owner,
    )
    # when
    with django_assert_num_queries(5):  # auth, count, page, news refs, photo refs
        body = manager_client.get("/api/v1/files?page=1&page_size=12").json()
    images = manager_client.get("/api/v1/files?kind=news_image").json()
    # then
    assert body["pagination"] == {"page": 1, "size": 12, "total": 4}
    first = body["items"][0]
    assert set(first) == {
        "id",
        "name",
        "url",
        "type",
        "kind",
        "size",
        "referenced_by",
        "created_at",
    }
    assert (first["kind"], first["referenced_by"], first["type"]) == (
        "profile_photo",
        f"user #{photo_owner.pk}",
        "image/jpeg",
    )
    by_name = {i["name"]: i for i in body["items"]}
    assert by_name[names[0]]["referenced_by"] == f"news #{news.pk}"
    assert by_name[names[1]]["referenced_by"] is None
    assert first["created_at"].endswith("+05:00")
    assert images["pagination"]["total"] == 3
    assert {i["kind"] for i in images["items"]} == {"news_image"}
    for _ in range(5):
        _upload(manager_client)
    with django_assert_num_queries(5):
        manager_client.get("/api/v1/files?page=1&page_size=12")


def test_delete_by_id_clears_every_reference(manager_client, manager):
    photo_owner = Client.objects.create(
        phone="+998901112233", profile_photo_url="/api/v1/files/profile-photo/p.jpg"
    )
    default_storage.save("profile_photos/p.jpg", io.BytesIO(_image_bytes()))
    record = StoredFile.objects.create(
        kind=FileKind.PROFILE_PHOTO,
        name="p.jpg",
        mime_type="image/jpeg",
        size=10,
        url="/api/v1/files/profile-photo/p.jpg",
        owner=photo_owner,
    )
    response = manager_client.delete(f"/api/v1/files/{record.pk}")
    assert response.status_code == 204
    photo_owner.refresh_from_db()
    assert photo_owner.profile_photo_url is None
    assert not StoredFile.objects.exists()
    assert AuditEntry.objects.get(entity="file", action="delete").staff == manager
    missing = manager_client.delete(f"/api/v1/files/{record.pk}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "file_not_found"
