"""Admin: the outbox is read-only (rows are written by the services that own their kinds).

It shows kinds, subjects by type and id, and delivery state: the outbox holds no
address and no text to show.
"""

from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id", "kind", "subject_type", "subject_id", "status", "attempts", "created_at", "sent_at",
    )  # fmt: skip
    list_filter = ("status", "kind", "subject_type")
    list_select_related = ("subject_type",)
    readonly_fields = (
        "kind", "subject_type", "subject_id", "status", "attempts", "available_at", "claimed_at",
        "sent_at", "recipients_count", "last_error", "created_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
