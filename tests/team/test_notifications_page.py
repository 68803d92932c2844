"""R-OP-5: my notifications, newest first, rendered from ids, read state, keyset pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.conversations import notes, services
from messagecenter.core.actors import Actor
from messagecenter.notifications.models import Kind, Notification
from messagecenter.notifications.services import unread_count
from messagecenter.team import queries
from messagecenter.team.links import conversation_url
from tests.conftest import capture_events
from tests.helpers import start, started
from tests.team.conftest import notifications_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentioned(alice, bob, widget, contact):
    """Bob mentioned Alice in a note: her only notification."""
    conversation = started(widget, contact)
    with capture_events():
        notes.add_note(conversation, "@alice kannst du helfen?", actor=Actor.for_operator(bob))
    return Notification.objects.get(operator=alice, kind=Kind.MENTION)


def test_a_mention_shows_who_mentioned_me_and_where(admin_client, mentioned):
    html = admin_client.get(reverse("notifications")).content.decode()

    assert "Bob Builder mentioned you in a note" in html
    assert "Conversation with Clara Kundin" in html
    assert f'data-notification="{mentioned.public_id}"' in html
    assert "notification--unread" in html
    assert "You have 1 unread notification." in html


def test_names_are_looked_up_when_shown_so_a_rename_shows_the_new_name(
    admin_client, mentioned, bob
):
    accounts.update_profile(bob, actor=Actor.for_operator(bob), name="Robert Builder")

    html = admin_client.get(reverse("notifications")).content.decode()

    assert "Robert Builder mentioned you in a note" in html


def test_every_kind_has_its_own_wording(admin_client, alice, bob, widget, contact):
    conversation = start(widget, contact)
    with capture_events():
        services.assign_operator(conversation, alice, actor=Actor.for_operator(bob))
        services.post_contact_message(conversation, "Hallo?", actor=Actor.for_contact(contact))

    html = admin_client.get(reverse("notifications")).content.decode()

    assert "Bob Builder forwarded the conversation with Clara Kundin to you" in html
    assert "New message from Clara Kundin" in html


def test_newest_first(admin_client, alice, bob, widget, account, clock):
    notifications_for(alice, bob, widget, account, 3)
    clock.shift(60)
    notifications_for(alice, bob, widget, account, 1)
    newest = Notification.objects.filter(operator=alice).latest("created_at", "pk")

    html = admin_client.get(reverse("notifications")).content.decode()

    first = html.index('data-notification="')
    assert html[first:].startswith(f'data-notification="{newest.public_id}"')


def test_i_see_only_my_own_notifications(teammate_client, outsider_client, mentioned):
    assert mentioned.public_id not in teammate_client.get(reverse("notifications")).content.decode()
    assert mentioned.public_id not in outsider_client.get(reverse("notifications")).content.decode()


def test_opening_marks_it_read_and_goes_to_the_conversation(admin_client, alice, mentioned):
    response = admin_client.get(reverse("notification_open", args=[mentioned.public_id]))

    assert response.status_code == 302
    assert response["Location"] == conversation_url(mentioned.conversation.public_id, mentioned.seq)
    mentioned.refresh_from_db()
    assert mentioned.read_at is not None
    assert unread_count(alice) == 0


@pytest.mark.parametrize("who", ["teammate_client", "outsider_client"])
def test_someone_elses_notification_is_not_found(request, who, mentioned):
    other = request.getfixturevalue(who)

    for name in ("notification_open", "notification_row"):
        assert other.get(reverse(name, args=[mentioned.public_id])).status_code == 404
    mentioned.refresh_from_db()
    assert mentioned.read_at is None


def test_mark_all_read(admin_client, alice, bob, widget, account):
    notifications_for(alice, bob, widget, account, 4)

    response = admin_client.post(reverse("notifications_read_all"), follow=True)

    assert unread_count(alice) == 0
    html = response.content.decode()
    assert "All notifications are marked as read." in html
    assert "notification--unread" not in html
    assert "You are all caught up." in html


def test_mark_all_read_from_the_page_script_answers_no_content(admin_client, alice, mentioned):
    response = admin_client.post(reverse("notifications_read_all"), headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert unread_count(alice) == 0


def test_mark_all_read_needs_a_post(admin_client, alice, mentioned):
    assert admin_client.get(reverse("notifications_read_all")).status_code == 405
    assert unread_count(alice) == 1


def test_the_live_row_is_one_list_item(admin_client, mentioned):
    response = admin_client.get(reverse("notification_row", args=[mentioned.public_id]))

    html = response.content.decode().strip()
    assert html.startswith("<li") and html.endswith("</li>")
    assert "Bob Builder mentioned you in a note" in html


def test_keyset_pages_have_no_gaps_or_repeats_even_within_one_second(
    admin_client, alice, bob, widget, account, clock
):
    """GIVEN more notifications than fit on a page, all created at the same instant
    WHEN Alice follows "Show older" page by page
    THEN she sees every notification exactly once, newest first (ties broken by id)."""
    notifications_for(alice, bob, widget, account, queries.NOTIFICATIONS_PAGE + 5)
    expected = list(
        Notification.objects.filter(operator=alice)
        .order_by("-created_at", "-pk")
        .values_list("public_id", flat=True)
    )

    first = queries.notification_page(alice)
    second = queries.notification_page(alice, first.next_cursor)

    seen = [row.public_id for row in first.rows + second.rows]
    assert seen == expected
    assert second.next_cursor is None
    html = admin_client.get(reverse("notifications"), {"before": first.next_cursor}).content
    assert html.decode().count('data-notification="') == 5


def test_show_older_from_the_page_script_gets_rows_and_the_next_cursor(
    admin_client, alice, bob, widget, account
):
    notifications_for(alice, bob, widget, account, queries.NOTIFICATIONS_PAGE + 2)
    cursor = queries.notification_page(alice).next_cursor

    response = admin_client.get(
        reverse("notifications"), {"before": cursor}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert "<html" not in html
    assert html.count("<li") == 2
    assert 'data-next-cursor=""' in html


def test_an_unknown_cursor_starts_from_the_newest(admin_client, mentioned):
    html = admin_client.get(reverse("notifications"), {"before": "nt_nope"}).content.decode()

    assert mentioned.public_id in html


def test_empty_state(admin_client, alice):
    html = admin_client.get(reverse("notifications")).content.decode()

    assert "No notifications yet" in html
    assert "You are all caught up." in html


def test_query_count_does_not_grow_with_the_number_of_notifications(
    admin_client, alice, bob, widget, account
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("notifications")).status_code == 200
        return len(captured)

    notifications_for(alice, bob, widget, account, 3)
    few = count()
    notifications_for(alice, bob, widget, account, 25)
    assert count() == few


def test_a_page_is_three_queries(alice, bob, widget, account, django_assert_num_queries):
    """Cursor row, the page with conversations and contacts, the acting operators' names."""
    notifications_for(alice, bob, widget, account, queries.NOTIFICATIONS_PAGE + 3)
    cursor = Notification.objects.filter(operator=alice).order_by("-created_at", "-pk")[2]

    with django_assert_num_queries(3):
        page = queries.notification_page(alice, cursor.public_id)
        [row.conversation.contact.name for row in page.rows]
