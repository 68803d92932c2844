"""Durable e-mail jobs of the contacts domain."""

from huey.contrib.djhuey import db_task

from messagecenter.contacts import mail


@db_task(retries=3, retry_delay=30)
def send_verification_email(record_pk: int, code: str) -> None:
    mail.send_verification_code(record_pk, code)
