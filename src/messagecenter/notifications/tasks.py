from huey.contrib.djhuey import db_task

from messagecenter.notifications import services


@db_task(retries=3, retry_delay=5)
def notify_from_event(event: dict) -> None:
    services.notify_from_event(event)
