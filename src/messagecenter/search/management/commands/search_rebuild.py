"""``manage.py search_rebuild [--account acc_…]``: index every message, note and contact again
(after restoring a backup made without the index, or to repair it). Safe to repeat."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from messagecenter.accounts.models import Account
from messagecenter.search import indexing


class Command(BaseCommand):
    help = "Rebuild the search index of one account (or of all)."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="public id of the account (default: all)")

    def handle(self, *args, account=None, **options):
        account_id = None
        if account:
            found = Account.objects.filter(public_id=account).first()
            if found is None:
                raise CommandError(f"no account {account}")
            account_id = found.pk
        counts = indexing.rebuild(account_id)
        self.stdout.write(
            "indexed {messages} messages, {notes} notes, {contacts} contacts".format(**counts)
        )
