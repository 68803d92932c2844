from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17"))
def sweep_uploads() -> int:
    """Hourly: abandoned partial uploads and never-sent files go (files.uploads.sweep)."""
    from messagecenter.files import uploads

    return uploads.sweep()
