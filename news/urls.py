"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path, re_path

from news.file_views import (
    FileDetailView,
    FileListView,
    NewsImageFileView,
    NewsImageUploadView,
)
from news.views import NewsDetailView, NewsListView

_NAME = r"(?P<file_name>[^/]+)"

urlpatterns = [
    path("news", NewsListView.as_view(), name="news-list"),
    path("news/<int:pk>", NewsDetailView.as_view(), name="news-detail"),
    re_path(
        r"^files/(?:news_images|news-images|news-image|news_image)$",
        NewsImageUploadView.as_view(),
        name="news-image-upload",
    ),
    re_path(
        rf"^files/(?:news_images|news-image)/{_NAME}$",
        NewsImageFileView.as_view(),
        name="news-image-file",
    ),
    path("files", FileListView.as_view(), name="file-list"),
    path("files/<int:pk>", FileDetailView.as_view(), name="file-detail"),
]
