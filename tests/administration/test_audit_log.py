"""Settings › Audit log: administrators read the account's trail filtered by actor, action,
object and period, page through it by keyset, and export it as a streamed CSV; teammates are
refused (403), and an outsider never sees another account's rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import AuditEntry
from messagecenter.administration import audit_log
from messagecenter.administration.audit_log import AuditFilter
from messagecenter.core.errors import PermissionDenied
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db

URL = "/settings/audit/"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def trail(alice, bob, charlie, clock):
    """GIVEN Alice made two groups a day apart and changed Bob's slots; Charlie (Globex)
    made a group of his own."""
    accounts.create_group(alice.account, "Sales", actor=as_actor(alice))
    clock.shift(timedelta(days=1))
    accounts.create_group(alice.account, "Billing", actor=as_actor(alice))
    accounts.set_max_slots(bob, 5, actor=as_actor(alice))
    accounts.create_group(charlie.account, "Globex only", actor=as_actor(charlie))


def test_the_page_lists_the_accounts_entries_newest_first(alice, trail):
    page = signed_in(alice).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    newest, older = "<code>operator.slots_changed</code>", "<code>group.created</code>"
    assert text.index(newest) < text.index(older)
    assert "Alice Admin" in text
    assert "Globex" not in text and text.count("<code>group.created</code>") == 2


def test_filters_by_action_actor_object_and_period(alice, bob, trail):
    actor = as_actor(alice)
    by_action = audit_log.page(actor, AuditFilter(action="group.created")).entries
    assert [e.action for e in by_action] == ["group.created", "group.created"]
    by_object = audit_log.page(actor, AuditFilter(target=bob.public_id)).entries
    assert [e.action for e in by_object] == ["operator.slots_changed"]
    by_type = audit_log.page(actor, AuditFilter(target="group")).entries
    assert len(by_type) == 2
    assert audit_log.page(actor, AuditFilter(actor_id=bob.public_id)).entries == []
    first_day = AuditEntry.objects.filter(account=alice.account).earliest("at").at
    period = AuditFilter(since=first_day, until=first_day + timedelta(hours=1))
    assert [e.data for e in audit_log.page(actor, period).entries] == [{}]


def test_the_form_reads_days_in_the_admins_time_zone(alice, trail):
    # Alice is in Europe/Berlin; the first entry is at 09:00 UTC on 2 March.
    answer = signed_in(alice).get(URL, {"since": "2026-03-02", "until": "2026-03-02"})
    text = answer.content.decode()
    assert text.count("<code>group.created</code>") == 1
    assert "<code>operator.slots_changed</code>" not in text


def test_keyset_pages_do_not_skip_or_repeat(alice, clock):
    for number in range(7):
        accounts.create_group(alice.account, f"G{number}", actor=as_actor(alice))
    seen, cursor = [], ""
    while True:
        result = audit_log.page(as_actor(alice), AuditFilter(), cursor, size=3)
        seen += [e.pk for e in result.entries]
        if not result.next_cursor:
            break
        cursor = result.next_cursor
    everything = AuditEntry.objects.filter(account=alice.account).order_by("-at", "-id")
    assert seen == list(everything.values_list("pk", flat=True))


def test_the_page_links_to_older_entries(alice, clock):
    for number in range(audit_log.PAGE_SIZE + 2):
        accounts.create_group(alice.account, f"G{number}", actor=as_actor(alice))
    client = signed_in(alice)
    first = client.get(URL, {"action": "group.created"}).content.decode()
    assert 'rel="next"' in first
    cursor = audit_log.page(as_actor(alice), AuditFilter(action="group.created")).next_cursor
    second = client.get(URL, {"action": "group.created", "after": cursor})
    assert second.content.decode().count("<code>group.created</code>") == 2
    assert 'rel="next"' not in second.content.decode()


def test_a_broken_page_link_shows_the_first_page(alice, trail):
    assert signed_in(alice).get(URL, {"after": "nonsense"}).status_code == 200


def test_the_csv_export_streams_the_filtered_rows(alice, bob, trail):
    answer = signed_in(alice).get(URL + "export.csv", {"action": "group.created"})
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0] == audit_log.CSV_COLUMNS
    assert [r[4] for r in rows[1:]] == ["group.created", "group.created"]
    assert rows[1][3] == "Alice Admin" and rows[1][0] < rows[2][0]


def test_csv_cells_cannot_become_formulas(alice, clock):
    accounts.create_group(alice.account, "x", actor=as_actor(alice))
    AuditEntry.objects.update(target_id="=HYPERLINK(1)")
    body = b"".join(signed_in(alice).get(URL + "export.csv").streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


def test_a_teammate_is_refused(bob, trail):
    client = signed_in(bob)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403
    with pytest.raises(PermissionDenied):
        audit_log.page(as_actor(bob), AuditFilter())


def test_an_outsider_sees_only_his_own_account(charlie, alice, trail):
    text = signed_in(charlie).get(URL, {"target": alice.account.public_id}).content.decode()
    assert "No entries" in text
    body = b"".join(signed_in(charlie).get(URL + "export.csv").streaming_content).decode()
    assert "operator.slots_changed" not in body and body.count("group.created") == 1


def test_signed_out_visitors_are_sent_to_sign_in(db):
    answer = Client().get(URL)
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_the_page_speaks_german(alice, trail):
    alice.language = "de"
    alice.save(update_fields=["language"])
    text = signed_in(alice).get(URL).content.decode()
    assert "Audit-Protokoll" in text and "Als CSV exportieren" in text
