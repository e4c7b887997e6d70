from django.db import models


class TimeStampedModel(models.Model):
    """Adds `created_at` and `updated_at`, both aware datetimes."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ImportedRow(models.Model):
    """One row of the original backend's database and what it became here.

    Written only by `import_original`: the key (`table`, `original_id`) makes a
    re-run skip what it already imported, and `fingerprint` (a hash of the
    original row) tells it which rows changed since. `local_id` is the primary
    key of the local row (null when the original row has no local counterpart,
    e.g. a deleted-phone record kept only here); `extra` holds what the local
    models have no column for.
    """

    table = models.CharField(max_length=64)
    original_id = models.BigIntegerField()
    local_id = models.BigIntegerField(null=True, blank=True)
    fingerprint = models.CharField(max_length=40)
    extra = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["table", "original_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "original_id"],
                name="sardoba_imported_row_unique_table_original_id",
            ),
        ]
        indexes = [
            models.Index(
                fields=["table", "local_id"], name="sardoba_imported_row_local"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table}#{self.original_id} -> {self.local_id}"
