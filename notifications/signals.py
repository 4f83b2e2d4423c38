"""Signals of the outbox, so that its services never import its tasks.

``outbox_messages_added`` is sent (``sender=OutboxMessage``, with ``message_ids``) once
the transaction that wrote the messages has committed; ``NotificationsConfig.ready()``
connects the receiver that hands them to Celery.
"""

from django.dispatch import Signal

outbox_messages_added = Signal()
