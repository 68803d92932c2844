"""A real crash: ``kill -9`` of the server (and its embedded job consumer) in the middle of a
large contact import, a bulk action or a GDPR erasure, then a fresh server resumes it
from its checkpoint."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.cli import procs

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

# Four batches of the importer's 1,000 rows: killed after the first, resumed for the rest.
ROWS = 4_000

SET_UP = f"""
import io
from messagecenter.accounts import services as accounts
from messagecenter.contacts import importer
from messagecenter.core.actors import Actor
from messagecenter.files.services import store_file

account = accounts.create_account("Crash GmbH")
alice = accounts.create_operator(account, email="alice@crash.example", name="Alice",
                                 password="a long enough password", role="admin")
rows = "".join(f"Kundin {{n}},kundin{{n}}@crash.example\\n" for n in range({ROWS}))
data = ("Name,E-Mail\\n" + rows).encode()
me = Actor.for_operator(alice)
stored = store_file(account, io.BytesIO(data), "kontakte.csv", actor=me)
importer.start_import(account, stored, {{"Name": "name", "E-Mail": "email"}}, "skip", actor=me)
"""

UNDO = """
from messagecenter.contacts import importer
from messagecenter.contacts.models import ContactImport
from messagecenter.core.actors import Actor

job = ContactImport.objects.select_related("created_by").get()
importer.undo_import(job, actor=Actor.for_operator(job.created_by))
"""


def query(data_dir: Path, sql: str) -> tuple:
    with sqlite3.connect(data_dir / "messagecenter.sqlite3", timeout=30) as db:
        return db.execute(sql).fetchone()


def the_import(data_dir: Path) -> tuple[str, int, int]:
    return query(
        data_dir, "SELECT state, processed_rows, created_count FROM contacts_contactimport"
    )


def wait_for(condition, timeout: float, server: procs.Server) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out; server output:\n{server.output}")


def shell(data_dir: Path, script: str) -> None:
    done = procs.run(data_dir, "shell", "-c", script)
    assert done.returncode == 0, done.stdout + done.stderr


def test_import_killed_with_sigkill_is_resumed_by_a_fresh_server_exactly_once(tmp_path):
    """GIVEN an import of 4,000 rows queued in embedded mode WHEN the server is killed
    with SIGKILL after the first batch THEN the import still says "running" part-way; a
    fresh server resumes it at start-up from its checkpoint: every row imported exactly once
    (no duplicate contacts), the counters right, and undo works."""
    assert procs.run(tmp_path, "migrate").returncode == 0
    shell(tmp_path, SET_UP)

    first = procs.Server(tmp_path, "--no-demo")
    try:
        wait_for(lambda: the_import(tmp_path)[1] >= 1000, 120, first)
    finally:
        first.kill()  # SIGKILL: no shutdown, no cleanup
    state, processed, created = the_import(tmp_path)
    assert state == "running" and 1000 <= processed < ROWS, (state, processed)
    assert query(tmp_path, "SELECT COUNT(*) FROM contacts_contact")[0] == created == processed

    second = procs.Server(tmp_path, "--no-demo")
    try:
        job_done = "SELECT state = 'done' FROM jobs_job"
        wait_for(lambda: query(tmp_path, job_done)[0], 300, second)
    finally:
        second.kill()

    assert the_import(tmp_path) == ("done", ROWS, ROWS)
    contacts, emails = query(
        tmp_path,
        "SELECT COUNT(*), COUNT(DISTINCT value) FROM contacts_contactidentity WHERE kind='email'",
    )
    assert contacts == emails == ROWS
    assert query(tmp_path, "SELECT COUNT(*) FROM contacts_contact")[0] == ROWS
    assert query(tmp_path, "SELECT COUNT(*) FROM contacts_importchange")[0] == ROWS
    assert query(tmp_path, "SELECT state, attempts, progress_done FROM jobs_job") == (
        "done",
        2,
        ROWS,
    )

    shell(tmp_path, UNDO)
    assert query(tmp_path, "SELECT COUNT(*) FROM contacts_contact")[0] == 0
    assert the_import(tmp_path)[0] == "undone"


# Enough conversations that the bulk job is still part-way when the first server is killed.
CONVERSATIONS = 400

BULK_SET_UP = f"""
from messagecenter.accounts import services as accounts
from messagecenter.archive.services import start_bulk_job
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.core.actors import Actor
from messagecenter.widgets.services import create_widget

account = accounts.create_account("Crash GmbH")
group = accounts.create_group(account, "Support")
alice = accounts.create_operator(account, email="alice@crash.example", name="Alice",
                                 password="a long enough password", role="admin")
widget = create_widget(account, "Website", operator_group=group)
me = Actor.for_operator(alice)
ids = []
for n in range({CONVERSATIONS}):
    contact = create_contact(account, name=f"Kunde {{n}}", email=f"k{{n}}@crash.example")
    ids.append(services.start_conversation(widget, contact, "Hallo",
                                           actor=Actor.for_contact(contact)).public_id)
topic = services.create_topic(account, "Rechnung", actor=me)
start_bulk_job(account, "set_topic", {{"topic": topic.public_id}}, actor=me, ids=ids)
"""


def the_bulk_job(data_dir: Path) -> tuple[str, int, int, int]:
    return query(data_dir, "SELECT state, total, processed, done_count FROM archive_bulkjob")


def test_bulk_action_killed_with_sigkill_is_resumed_by_a_fresh_server_exactly_once(tmp_path):
    """GIVEN a bulk "set topic" over 400 conversations queued in embedded mode WHEN the
    server is killed with SIGKILL while the job is part-way THEN a fresh server resumes it:
    every conversation gets the topic and exactly one "updated" timeline entry (none applied
    twice), the counters are right and the job ran in two attempts."""
    assert procs.run(tmp_path, "migrate").returncode == 0
    shell(tmp_path, BULK_SET_UP)

    first = procs.Server(tmp_path, "--no-demo")
    try:
        wait_for(lambda: the_bulk_job(tmp_path)[2] >= 1, 120, first)
    finally:
        first.kill()  # SIGKILL: no shutdown, no cleanup
    state, total, processed, _ = the_bulk_job(tmp_path)
    assert state == "running" and total == CONVERSATIONS and 1 <= processed < total, processed

    second = procs.Server(tmp_path, "--no-demo")
    try:
        job_done = "SELECT state = 'done' FROM jobs_job"
        wait_for(lambda: query(tmp_path, job_done)[0], 120, second)
    finally:
        second.kill()

    assert the_bulk_job(tmp_path) == ("done", CONVERSATIONS, CONVERSATIONS, CONVERSATIONS)
    with_topic = "SELECT COUNT(*) FROM conversations_conversation WHERE topic_id IS NOT NULL"
    assert query(tmp_path, with_topic)[0] == CONVERSATIONS
    per_conversation = query(
        tmp_path,
        "SELECT COUNT(*), MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n FROM"
        " conversations_timelineentry WHERE kind = 'updated' GROUP BY conversation_id)",
    )
    assert per_conversation == (CONVERSATIONS, 1, 1)
    assert query(tmp_path, "SELECT state, attempts FROM jobs_job") == ("done", 2)


ERASURE_SET_UP = """
import io
from messagecenter.accounts import services as accounts
from messagecenter.contacts import gdpr
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.core.actors import Actor
from messagecenter.files.services import store_file
from messagecenter.widgets.services import create_widget

account = accounts.create_account("Crash GmbH")
group = accounts.create_group(account, "Support")
alice = accounts.create_operator(account, email="alice@crash.example", name="Alice",
                                 password="a long enough password", role="admin")
widget = create_widget(account, "Website", operator_group=group)
me = Actor.for_operator(alice)
other = create_contact(account, name="Bleibt", email="bleibt@crash.example")
services.start_conversation(widget, other, "Hallo", actor=Actor.for_contact(other))
store_file(account, io.BytesIO(b"bleibt"), "bleibt.txt", actor=me, contact=other)
gone = create_contact(account, name="Weg", email="weg@crash.example")
for n in range(150):
    conversation = services.start_conversation(widget, gone, f"Hallo {n}",
                                               actor=Actor.for_contact(gone))
    services.post_contact_message(conversation, "Noch da?", actor=Actor.for_contact(gone))
for n in range(20):
    store_file(account, io.BytesIO(b"secret %d" % n), f"f{n}.txt", actor=me, contact=gone)
gdpr.request_erasure(gone, actor=me)
"""


def stored_bytes(data_dir: Path) -> int:
    return sum(1 for path in (data_dir / "files").rglob("*") if path.is_file())


def test_erasure_killed_with_sigkill_is_finished_by_a_fresh_server(tmp_path):
    """GIVEN an erasure of a contact with 150 conversations and 20 files WHEN the server is
    killed with SIGKILL as soon as the job row says "running" THEN a fresh server finishes
    it: the contact's rows and their files' bytes are gone, the other contact is untouched and
    "contact.erased" is audited once. The rows step is one transaction, so the kill lands
    before its commit or between the two steps (the bytes left); either way the outcome is
    the same."""
    assert procs.run(tmp_path, "migrate").returncode == 0
    shell(tmp_path, ERASURE_SET_UP)
    assert stored_bytes(tmp_path) == 21

    first = procs.Server(tmp_path, "--no-demo")
    try:
        running = "SELECT state = 'running' FROM jobs_job"
        wait_for(lambda: query(tmp_path, running)[0], 120, first)
    finally:
        first.kill()  # SIGKILL: no shutdown, no cleanup
    assert query(tmp_path, "SELECT state FROM jobs_job") == ("running",)

    second = procs.Server(tmp_path, "--no-demo")
    try:
        job_done = "SELECT state = 'done' FROM jobs_job"
        wait_for(lambda: query(tmp_path, job_done)[0], 120, second)
    finally:
        second.kill()

    assert query(tmp_path, "SELECT name FROM contacts_contact") == ("Bleibt",)
    assert query(tmp_path, "SELECT value FROM contacts_contactidentity") == (
        "bleibt@crash.example",
    )
    assert query(tmp_path, "SELECT COUNT(*) FROM conversations_conversation")[0] == 1
    assert query(tmp_path, "SELECT COUNT(*) FROM conversations_message")[0] == 1
    assert query(tmp_path, "SELECT original_name FROM files_storedfile") == ("bleibt.txt",)
    assert stored_bytes(tmp_path) == 1
    erased = "SELECT COUNT(*) FROM accounts_auditentry WHERE action = 'contact.erased'"
    assert query(tmp_path, erased)[0] == 1
    assert query(tmp_path, "SELECT state, attempts FROM jobs_job") == ("done", 2)
