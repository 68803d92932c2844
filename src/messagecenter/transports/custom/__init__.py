"""Custom channels: an account's own system (an app, a CRM, a bot) as a channel of a widget.

A ``ChannelConnection(kind="custom")`` whose ``config`` holds the name's icon, the webhook URL
and the capabilities this connection declares, and whose encrypted ``credentials`` hold the
signing secrets. Inbound is a signed POST (Standard Webhooks) to
``/api/v1/channels/<public id>/messages``; outbound a signed POST to the webhook URL through
the delivery rows. See docs/channels.md, "Custom channels".
"""
