"""News items shown in the app while inside their visibility window."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Staff


class NewsQuerySet(models.QuerySet["NewsItem"]):
    def active_at(self, now: dt.datetime | None = None) -> NewsQuerySet:
        """Items inside their window at `now` (open ends are unbounded)."""
        now = now or timezone.now()
        return self.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )


class NewsItem(models.Model):
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    image_url = models.CharField(max_length=512, null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NewsQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "-created_at", "-id"]
        verbose_name = "news item"
        verbose_name_plural = "news"

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "The end is before the start."})

    def is_active_at(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        started = self.starts_at is None or self.starts_at <= now
        not_ended = self.ends_at is None or self.ends_at > now
        return started and not_ended
