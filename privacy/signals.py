"""Signals of the privacy app, for the apps that keep their own records of what it did."""

from django.dispatch import Signal

#: Sent (``sender=None``) by :func:`privacy.services.encryption_keys_rotate` once every
#: encrypted column has been re-encrypted, with ``rows`` (model label -> rows rewritten)
#: and ``initiator`` (who ran it: a command's name, or ``"keys"``). The referrals app
#: records it in its audit trail.
keys_rotated = Signal()
