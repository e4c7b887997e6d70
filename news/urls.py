"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path

from news.file_views import (
    FileDetailView,
    FileListView,
    NewsImageFileView,
    NewsImageUploadAliasView,
    NewsImageUploadView,
)
from news.views import NewsDetailView, NewsListView

_UPLOAD_ALIASES = ("news-images", "news-image", "news_image")
_DOWNLOAD_PATHS = ("news_images", "news-image")

urlpatterns = [
    path("news", NewsListView.as_view(), name="news-list"),
    path("news/<int:pk>", NewsDetailView.as_view(), name="news-detail"),
    path("files/news_images", NewsImageUploadView.as_view(), name="news-image-upload"),
    *(
        path(
            f"files/{alias}", NewsImageUploadAliasView.as_view(), name=f"upload-{alias}"
        )
        for alias in _UPLOAD_ALIASES
    ),
    *(
        path(
            f"files/{alias}/<str:file_name>",
            NewsImageFileView.as_view(),
            name=f"file-{alias}",
        )
        for alias in _DOWNLOAD_PATHS
    ),
    path("files", FileListView.as_view(), name="file-list"),
    path("files/<int:pk>", FileDetailView.as_view(), name="file-detail"),
]
