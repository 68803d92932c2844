"""WhatsApp Business (Cloud API) as a channel of a widget.

A ``ChannelConnection(kind="whatsapp")`` whose encrypted ``credentials`` hold the access
token, the Meta app's secret and our webhook verify token, and whose ``config`` holds the
phone number id, the business account (WABA) id and the number as Meta shows it (plain, no
secrets). Connecting reads the number from the Graph API and subscribes the app to the
business account's webhooks; the webhook address ``MC_PUBLIC_URL/channels/whatsapp/<public
id>/webhook`` and the verify token are entered in the Meta app. Each webhook POST is signed
(``X-Hub-Signature-256``), committed first (``WhatsAppDelivery``) and answered 200; a job
handles every message, status, echo and preference in it. Outbound is ``POST /<phone number
id>/messages``. See docs/channels.md, "WhatsApp".
"""
