from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messagecenter.files import voice
from messagecenter.jobs.names import job


@db_periodic_task(crontab(minute="17"))
def sweep_uploads() -> int:
    """Hourly: abandoned partial uploads and never-sent files go (files.uploads.sweep)."""
    from messagecenter.files import uploads

    return uploads.sweep()


@job(voice.JOB)
@db_task(retries=2, retry_delay=30)
def remux_voice(file_pk: int) -> None:
    """A voice message's OGG/Opus copy (files.voice.prepare); gone files are skipped."""
    from messagecenter.files.models import StoredFile

    stored = StoredFile.objects.select_related("account").filter(pk=file_pk).first()
    if stored is not None:
        voice.prepare(stored)
