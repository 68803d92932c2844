"""Telegram (Bot API) as a channel of a widget.

A ``ChannelConnection(kind="telegram")`` whose encrypted ``credentials`` hold the bot token and
the webhook's secret token, and whose ``config`` holds the bot's id and username (plain, no
secrets). Connecting calls ``getMe`` and ``setWebhook`` (with ``secret_token``) for
``MC_PUBLIC_URL/channels/telegram/<public id>/webhook``; Telegram posts each update there with
the ``X-Telegram-Bot-Api-Secret-Token`` header. The update is committed first (``TelegramUpdate``,
unique per ``update_id``) and answered 200; a job turns it into a message. Outbound is
``sendMessage``; an operator's deletion within 48 hours is ``deleteMessage``. See
docs/channels.md, "Telegram".
"""
