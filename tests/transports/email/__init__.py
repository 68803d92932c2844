from pathlib import Path


def mail_corpus() -> Path:
    """The shared mail corpus: ``shared/`` beside the repository (CI), else the workplace's."""
    beside = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "mail"
    return beside if beside.is_dir() else Path("/work/shared/corpora/mail")
