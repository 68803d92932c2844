"""SMS (and MMS) through Twilio as a channel of a widget.

A ``ChannelConnection(kind="sms")`` whose encrypted ``credentials`` hold the account's auth
token (and an optional API key SID and secret for the REST calls) and whose ``config`` holds
the account SID, the sender (a phone number in E.164 or a Messaging Service SID) and the
log-only switch. Twilio posts incoming messages to ``MC_PUBLIC_URL/channels/sms/<public
id>/inbound`` and each sent message's status to ``…/status``; both are signed with the auth
token (``X-Twilio-Signature``, checked against the public URL, never the request's own host).
Each request is committed first (``SmsEvent``) and answered at once; a job turns it into a
message, a consent decision (STOP/START) or a delivery state. See docs/channels.md, "SMS".
"""
