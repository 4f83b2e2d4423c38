from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications: the outbox"

    def ready(self) -> None:
        from .signals import outbox_messages_added
        from .tasks import outbox_messages_queue

        outbox_messages_added.connect(outbox_messages_queue, dispatch_uid="outbox-messages-queue")
