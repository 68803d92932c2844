"""The demo seed: a realistic account, reached through the services, only into an empty DB."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from messagecenter import cli, demo
from messagecenter.accounts.models import Account, Operator, OperatorGroup, Role
from messagecenter.contacts.models import Contact
from messagecenter.conversations.models import Conversation, Status, TimelineEntry, Topic
from messagecenter.widgets.models import Widget


@pytest.fixture
def seeded(db):
    return demo.seed(password="demo-pass-12345")


def test_demo_has_every_status_and_an_unassigned_queue(seeded):
    statuses = set(Conversation.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    unassigned_new = Conversation.objects.filter(status=Status.NEW, assigned_operator=None)
    assert unassigned_new.count() >= 5
    assert Conversation.objects.count() >= 30
    for status in (Status.OPEN, Status.WAITING, Status.ENDED):
        assert not Conversation.objects.filter(status=status, assigned_operator=None).exists()


def test_demo_team_groups_widgets_topics_and_contacts(seeded):
    account = Account.objects.get()
    assert account.name == "Demo GmbH"
    operators = Operator.objects.filter(account=account)
    assert operators.count() == 4
    assert operators.get(email=demo.ADMIN_EMAIL).role == Role.ADMIN
    assert operators.get(email=demo.ADMIN_EMAIL).language == "en"
    assert operators.filter(language="de").exists()
    groups = OperatorGroup.objects.filter(account=account)
    assert set(groups.values_list("name", flat=True)) == {"Support", "Sales"}
    widgets = Widget.objects.filter(account=account)
    assert sorted(w.operator_group.name for w in widgets) == ["Sales", "Support"]
    assert set(Topic.objects.values_list("name", flat=True)) >= {"Billing", "Shipping"}
    assert Contact.objects.filter(account=account).count() >= 30
    assert all(c.email for c in Contact.objects.prefetch_related("identities"))


def test_demo_conversations_hold_multi_message_exchanges_in_german_and_english(seeded):
    answered = Conversation.objects.exclude(status=Status.NEW)
    assert all(c.messages.filter(author_kind="operator").exists() for c in answered)
    assert sum(c.messages.count() >= 3 for c in answered) >= 15
    assert {c.locale for c in Conversation.objects.all()} == {"de", "en"}
    assert TimelineEntry.objects.filter(kind="note").exists()


def test_demo_timestamps_lie_in_the_past_days(seeded):
    now = timezone.now()
    times = list(TimelineEntry.objects.values_list("at", flat=True))
    assert max(times) <= now
    assert max(times) - min(times) > timedelta(days=3)
    newest = Conversation.objects.order_by("-last_activity_at").first()
    assert now - newest.last_activity_at < timedelta(hours=2)


def test_demo_operators_sign_in_with_the_demo_password(seeded):
    assert seeded.email == demo.ADMIN_EMAIL
    assert authenticate(username=demo.ADMIN_EMAIL, password="demo-pass-12345") is not None
    assert len(seeded.teammates) == 3
    for email in seeded.teammates:
        assert authenticate(username=email, password="demo-pass-12345") is not None


def test_demo_is_refused_on_a_database_that_holds_an_account(account):
    with pytest.raises(demo.DemoRefused):
        demo.seed()
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    assert not Operator.objects.exists()


def test_demo_command_refuses_a_non_empty_database(account, capsys):
    assert cli.main(["demo"]) == 1
    assert "empty" in capsys.readouterr().err
    assert not Conversation.objects.exists()


def test_demo_command_seeds_and_keeps_the_login_private(db, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    login = demo.load_login(tmp_path)
    assert login is not None and login.password in out and login.email in out
    path = tmp_path / demo.LOGIN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_saved_login_is_shown_while_it_works_and_then_forgotten(seeded, tmp_path):
    demo.save_login(tmp_path, seeded)
    assert demo.current_login(tmp_path) == seeded
    admin = Operator.objects.get(email=demo.ADMIN_EMAIL)
    admin.set_password("changed-by-the-owner-1")
    admin.save()
    assert demo.current_login(tmp_path) is None
    assert not (tmp_path / demo.LOGIN_FILE).exists()
