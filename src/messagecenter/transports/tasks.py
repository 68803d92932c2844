"""Jobs named ``transports.<name>`` (``jobs.names`` imports this module to resolve them): each
channel's task module, so its jobs are registered."""

from messagecenter.transports.email import tasks as email_tasks  # noqa: F401
from messagecenter.transports.sms import tasks as sms_tasks  # noqa: F401
from messagecenter.transports.telegram import tasks as telegram_tasks  # noqa: F401
from messagecenter.transports.whatsapp import tasks as whatsapp_tasks  # noqa: F401
