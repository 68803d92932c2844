"""Account scoping: the one way to fetch an object by its public id.

Every account-owned model uses ``AccountScopedManager``; adapters fetch through
``get_scoped(Model, account, public_id)``. The account is part of the SQL ``WHERE``, so an id
from another account is simply not found (404, never 403): nothing tells an outsider that the
object exists.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.errors import NotFound

M = TypeVar("M", bound=models.Model)


class AccountScopedQuerySet(models.QuerySet):
    def for_account(self, account) -> AccountScopedQuerySet:
        return self.filter(account=account)


AccountScopedManager = models.Manager.from_queryset(AccountScopedQuerySet)


def get_scoped(
    source: type[M] | models.QuerySet[M], account, public_id: object, **filters: object
) -> M:
    """Fetch by public id inside ``account`` (from a model or a prepared queryset, e.g. with
    ``select_related``) or raise ``NotFound``."""
    query = source if isinstance(source, models.QuerySet) else source._default_manager.all()
    if not isinstance(public_id, str) or not public_id:
        raise NotFound(_("Not found."))
    try:
        return query.get(account=account, public_id=public_id, **filters)
    except ObjectDoesNotExist:
        raise NotFound(_("Not found.")) from None
