"""Full-text search over messages, notes and contacts (R-ARCH-3).

One search function (``search.query.search``) over two backends: SQLite FTS5 and PostgreSQL
``tsvector`` + GIN, fed identical, Python-stemmed terms (``search.text``) by the domain
services (``search.indexing``). See docs/search.md.
"""


def forget_contact(contact_id: int) -> None:
    """GDPR erasure: make nothing of this contact findable (call inside the erasing
    transaction). Kept importable from the package so ``contacts.gdpr`` needs no other name."""
    from messagecenter.search.indexing import forget_contact as forget

    forget(contact_id)
