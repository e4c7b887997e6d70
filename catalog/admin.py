"""Django admin for the catalog: saves go through the catalog services.

A price edited here (the change form or the list's editable column) is audited
and invalidates the catalog caches, so the API and the local live menu show it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from catalog import services
from catalog.models import Category, Product
from catalog.public_read import acting_staff
from catalog.sync import catalog_sync
from news.admin import image_preview
from sardoba.exceptions import ApplicationError


class _ServiceAdmin(admin.ModelAdmin):
    service_fields: tuple[str, ...] = ()

    def _changes(self, form: Any) -> dict[str, Any]:
        return {
            f: form.cleaned_data[f]
            for f in self.service_fields
            if f in form.changed_data
        }

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet, active: bool
    ) -> None:
        count = 0
        for obj in queryset:
            if obj.is_active != active:
                self._update(request, obj, {"is_active": active})
                count += 1
        verb = "activated" if active else "deactivated"
        self.message_user(request, f"{count} row(s) {verb}.", messages.SUCCESS)

    def _update(self, request: HttpRequest, obj: Any, changes: dict[str, Any]) -> Any:
        raise NotImplementedError

    @admin.action(description="Activate selected")
    def activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate selected")
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active(request, queryset, False)


@admin.register(Category)
class CategoryAdmin(_ServiceAdmin):
    service_fields = ("name", "image_url", "is_active")
    list_display = ("name", "position", "is_active", "products_count", "thumbnail")
    list_editable = ("position",)
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    readonly_fields = ("preview", "external_id", "created_at", "updated_at")
    fields = (
        "name",
        "slug",
        "position",
        "is_active",
        "image_url",
        "preview",
        "external_id",
        "created_at",
        "updated_at",
    )
    actions = ("activate", "deactivate")
    change_list_template = "admin/catalog/category/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(products_total=Count("products"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.menu_import_view)
        return [
            path("import-menu/", view, name="catalog_category_import_menu"),
            *super().get_urls(),
        ]

    def menu_import_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """Run the same service as `POST /catalog/sync` (POST only)."""
        back = HttpResponseRedirect(reverse("admin:catalog_category_changelist"))
        if request.method != "POST":
            return back
        try:
            result = catalog_sync(staff=acting_staff(request), request=request)
        except ApplicationError as exc:
            self.message_user(request, exc.detail["ru"], messages.ERROR)
            return back
        counts = result.as_response()
        self.message_user(
            request,
            "Menu imported: "
            + ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int)),
            messages.SUCCESS,
        )
        return back

    @admin.display(description="products", ordering="products_total")
    def products_count(self, obj: Category) -> int:
        return obj.products_total  # type: ignore[attr-defined]

    @admin.display(description="image")
    def thumbnail(self, obj: Category) -> str:
        return image_preview(obj.image_url)

    @admin.display(description="preview")
    def preview(self, obj: Category) -> str:
        return image_preview(obj.image_url, 160)

    def _update(
        self, request: HttpRequest, obj: Category, changes: dict[str, Any]
    ) -> Any:
        return services.category_update(
            category=obj, staff=acting_staff(request), changes=changes
        )

    def save_model(
        self, request: HttpRequest, obj: Category, form: Any, change: bool
    ) -> None:
        if change:
            self._update(request, obj, self._changes(form))
            extra = [f for f in ("slug", "position") if f in form.changed_data]
            if extra:  # menu order and slug: presentation only, not audited fields
                obj.save(update_fields=[*extra, "updated_at"])
                services.after_commit_invalidate()
            return
        created = services.category_create(
            staff=acting_staff(request),
            name=obj.name,
            image_url=obj.image_url,
            is_active=obj.is_active,
        )
        Category.objects.filter(pk=created.pk).update(
            slug=obj.slug, position=obj.position
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.category_delete(category=obj, staff=acting_staff(request))

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[Category]
    ) -> None:
        for category in queryset:
            services.category_delete(category=category, staff=acting_staff(request))


@admin.register(Product)
class ProductAdmin(_ServiceAdmin):
    service_fields = ("category", "name", "price", "image_url", "is_active")
    list_display = ("name", "category", "price", "is_active", "thumbnail")
    list_editable = ("price", "is_active")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("name", "category__name")
    readonly_fields = ("preview", "external_id", "created_at", "updated_at")
    fields = (
        "category",
        "name",
        "price",
        "position",
        "is_active",
        "image_url",
        "preview",
        "external_id",
        "created_at",
        "updated_at",
    )
    actions = ("activate", "deactivate")

    @admin.display(description="image")
    def thumbnail(self, obj: Product) -> str:
        return image_preview(obj.image_url)

    @admin.display(description="preview")
    def preview(self, obj: Product) -> str:
        return image_preview(obj.image_url, 160)

    def _changes(self, form: Any) -> dict[str, Any]:
        changes = super()._changes(form)
        if "category" in changes:
            changes["category_id"] = changes.pop("category").pk
        return changes

    def _update(
        self, request: HttpRequest, obj: Product, changes: dict[str, Any]
    ) -> Any:
        return services.product_update(
            product=obj, staff=acting_staff(request), changes=changes
        )

    def save_model(
        self, request: HttpRequest, obj: Product, form: Any, change: bool
    ) -> None:
        if change:
            self._update(request, obj, self._changes(form))
            if "position" in form.changed_data:
                obj.save(update_fields=["position", "updated_at"])
                services.after_commit_invalidate()
            return
        created = services.product_create(
            staff=acting_staff(request),
            category_id=obj.category_id,
            name=obj.name,
            price=obj.price,
            image_url=obj.image_url,
            is_active=obj.is_active,
        )
        Product.objects.filter(pk=created.pk).update(position=obj.position)
        obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.product_delete(product=obj, staff=acting_staff(request))

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[Product]
    ) -> None:
        for product in queryset:
            services.product_delete(product=product, staff=acting_staff(request))
