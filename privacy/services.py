"""Key rotation: every encrypted value of every installed model, re-encrypted under the newest key.

The encrypted columns are found through the app registry and the field classes of
:mod:`privacy.fields`, so a new model with an encrypted field is rotated with no change
here. Tokens are read and written straight from the tables (never decrypted into model
instances), in primary-key order and in batches.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import connections, models, router

from . import crypto
from .fields import EncryptedField
from .signals import keys_rotated


def encrypted_fields() -> dict[type[models.Model], list[models.Field]]:
    """Each installed model that has encrypted columns of its own, with those fields.

    Proxy and unmanaged models are left out (their tables belong to another model or to
    nobody here); a child model of multi-table inheritance lists only its own columns.
    """
    found = {}
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped:
            continue
        fields = [f for f in opts.local_concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            found[model] = fields
    return found


def encryption_keys_rotate(*, batch_size: int = 500, initiator: str = "keys") -> dict[str, int]:
    """Re-encrypt every encrypted value under the newest key; rows rewritten per model.

    Run it after putting a new key first in ``FIELD_ENCRYPTION_KEYS``; once it has
    finished the old keys can be removed. Returns ``{"app_label.Model": rows}`` for every
    model with an encrypted field (0 when it had nothing to rewrite) and then sends
    :data:`privacy.signals.keys_rotated` with those counts and ``initiator``. Safe to
    run again: a value already under the newest key is simply encrypted once more.
    """
    rewritten = {
        model._meta.label: _model_rotate(model, fields, batch_size)
        for model, fields in encrypted_fields().items()
    }
    keys_rotated.send(sender=None, rows=rewritten, initiator=initiator)
    return rewritten


def _model_rotate(model: type[models.Model], fields: list[models.Field], batch_size: int) -> int:
    connection = connections[router.db_for_write(model)]
    rewritten = 0
    for pk, *tokens in _raw_tokens(connection, model, fields, batch_size):
        rotated = {f: crypto.rotate(t) for f, t in zip(fields, tokens, strict=True) if t}
        if rotated:
            _raw_update(connection, model, pk, rotated)
            rewritten += 1
    return rewritten


def _raw_tokens(connection, model, fields, batch_size: int) -> Iterator[tuple]:
    """Rows of (pk, token, token, ...) read straight from the table, still encrypted."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk_column = quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    last = None
    while True:
        after, params = ("", []) if last is None else (f"WHERE {pk_column} > %s ", [last])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk_column}, {columns} FROM {table} "  # noqa: S608 - names are quoted
                f"{after}ORDER BY {pk_column} LIMIT %s",
                [*params, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _raw_update(connection, model, pk, tokens: dict[models.Field, str]) -> None:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in tokens)
    pk_column = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",  # noqa: S608
            [*tokens.values(), pk],
        )
