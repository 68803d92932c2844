"""``messagecenter reencrypt_credentials``: encrypt every stored credential again with the
current key (``MC_CREDENTIALS_KEY``), after a rotation. Safe to repeat; see README
"Channel credentials"."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from messagecenter.core.secrets import (
    CredentialsKeyError,
    EncryptedJSONField,
    SealedToken,
    rotate_token,
)


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the current MC_CREDENTIALS_KEY."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedJSONField)]
            for field in fields:
                total += self._reencrypt(model, field)
        self.stdout.write(f"re-encrypted {total} values")

    def _reencrypt(self, model, field) -> int:
        manager = model._base_manager
        count = 0
        try:
            for pk in manager.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    # Locked, so a concurrent edit is neither lost nor overwritten.
                    rows = manager.select_for_update().filter(pk=pk)
                    token = rows.values_list(field.attname, flat=True).first()
                    if token is None:
                        continue
                    rows.update(**{field.attname: SealedToken(rotate_token(token))})
                    count += 1
        except CredentialsKeyError as exc:
            raise CommandError(f"{model._meta.label}.{field.name}: {exc}") from None
        return count
