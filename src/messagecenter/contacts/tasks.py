"""Durable e-mail jobs of the contacts domain."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.contacts import mail


@db_task(retries=3, retry_delay=30)
def send_verification_email(record_pk: int, code: str) -> None:
    mail.send_verification_code(record_pk, code)


@db_task(retries=0)
def run_contact_import(job_pk: int) -> None:
    from messagecenter.contacts import importer
    from messagecenter.contacts.models import ContactImport
    from messagecenter.files.services import open_file

    job = ContactImport.objects.select_related("account", "source").get(pk=job_pk)
    if job.source is None:
        importer.fail(job, "The uploaded file is gone.")
        return
    with open_file(job.source) as handle:
        data = handle.read()
    importer.run_import(job, data)


@db_task(retries=2, retry_delay=30)
def erase_contact_job(contact_pk: int, actor_kind: str, actor_id: str) -> None:
    from messagecenter.accounts.models import Operator
    from messagecenter.contacts import gdpr
    from messagecenter.contacts.models import Contact
    from messagecenter.core.actors import Actor

    contact = Contact.objects.select_related("account").filter(pk=contact_pk).first()
    operator = Operator.objects.filter(public_id=actor_id).first()
    if contact is None or operator is None:
        return  # erased already (a retried job) or the requester was removed
    gdpr.erase_contact(contact, actor=Actor.for_operator(operator))


@db_periodic_task(crontab(minute="41"))
def prune_visitors() -> None:
    """Hourly: forget messenger visitors that never wrote (MC_VISITOR_RETENTION_DAYS)."""
    from messagecenter.contacts.services import prune_visitors as prune

    prune()
