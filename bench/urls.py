"""The API's routes plus two hello-world views for the server comparison."""

from django.urls import path

from bench.hello import DrfHelloView, django_hello
from sardoba.urls import handler404, handler500
from sardoba.urls import urlpatterns as api_urlpatterns

urlpatterns = [
    path("bench/hello", django_hello),
    path("bench/hello-drf", DrfHelloView.as_view()),
    *api_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
