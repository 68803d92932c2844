"""What the provider channels' settings pages (Telegram, SMS, WhatsApp) share."""

from __future__ import annotations

from django.http import Http404

from messagecenter.core.scoping import get_scoped
from messagecenter.widgets.models import ChannelConnection


def active_connection(request, public_id: str, kind: str) -> ChannelConnection:
    """The caller's account's active connection of this kind, else 404 (another account's,
    another kind's or a disconnected one are all "not found")."""
    connection = get_scoped(
        ChannelConnection.objects.select_related("widget"), request.user.account, public_id
    )
    if connection.kind != kind or not connection.is_active:
        raise Http404
    return connection
