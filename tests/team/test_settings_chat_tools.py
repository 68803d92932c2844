"""Settings › Chat tools (R-MACRO-1..3): chat and push macros, macro groups, export and
import with a dry-run report. Each page calls one macro service and shows its refusals."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from messagecenter.core.actors import Actor
from messagecenter.macros import services as macros
from messagecenter.macros.models import Macro, MacroGroup, MacroKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def greetings(account, alice):
    return macros.create_group(account, "Greetings", actor=Actor.for_operator(alice))


@pytest.fixture
def hello(account, alice, greetings):
    return macros.create_macro(
        account,
        actor=Actor.for_operator(alice),
        name="Hello",
        group=greetings,
        texts={"en": "Hello {contact.name}", "de": "Hallo {contact.name}"},
        default_language="en",
    )


def test_the_page_lists_macros_push_macros_and_groups(admin_client, hello, account, alice):
    macros.create_macro(
        account,
        actor=Actor.for_operator(alice),
        name="Prices",
        kind="push",
        url="https://shop.example/prices",
    )

    response = admin_client.get(reverse("settings_chat_tools"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Hello" in body and "https://shop.example/prices" in body and "Greetings" in body
    assert 'aria-current="page"' in body and "Chat tools" in body


def test_create_a_chat_macro_with_texts_per_language(admin_client, account, greetings):
    response = admin_client.post(
        reverse("settings_macro_new"),
        {
            "name": "Thanks",
            "group": greetings.public_id,
            "default_language": "de",
            "text_en": "Thank you",
            "text_de": "Danke",
        },
    )

    assert response.status_code == 302
    macro = Macro.objects.get(account=account, name="Thanks")
    assert macro.texts == {"en": "Thank you", "de": "Danke"}
    assert macro.default_language == "de" and macro.group == greetings
    assert macro.kind == MacroKind.TEXT


def test_create_a_push_macro(admin_client, account):
    response = admin_client.post(
        reverse("settings_macro_new") + "?kind=push",
        {"name": "Prices", "group": "", "url": "https://shop.example/prices"},
    )

    assert response.status_code == 302
    macro = Macro.objects.get(account=account, name="Prices")
    assert macro.kind == MacroKind.PUSH and macro.url == "https://shop.example/prices"


def test_a_refusal_shows_the_services_message_on_the_field(admin_client, account):
    response = admin_client.post(
        reverse("settings_macro_new"),
        {"name": "Empty", "default_language": "en", "text_en": "", "text_de": ""},
    )

    assert response.status_code == 400
    assert "A chat macro needs a text." in response.content.decode()
    assert not Macro.objects.filter(account=account).exists()


def test_a_push_macro_needs_a_web_address(admin_client, account):
    response = admin_client.post(
        reverse("settings_macro_new") + "?kind=push", {"name": "Bad", "url": "ftp://x"}
    )

    assert response.status_code == 400
    assert "A push macro needs a web address" in response.content.decode()


def test_a_duplicate_name_is_refused(admin_client, hello):
    response = admin_client.post(
        reverse("settings_macro_new"),
        {"name": "Hello", "default_language": "en", "text_en": "Again"},
    )

    assert response.status_code == 400
    assert "A macro with this name already exists." in response.content.decode()


def test_edit_a_macro(admin_client, hello):
    page = admin_client.get(reverse("settings_macro", args=[hello.public_id]))
    assert "Hallo {contact.name}" in page.content.decode()

    response = admin_client.post(
        reverse("settings_macro", args=[hello.public_id]),
        {"name": "Hello", "group": "", "default_language": "en", "text_en": "Hi", "text_de": ""},
    )

    assert response.status_code == 302
    hello.refresh_from_db()
    assert hello.texts == {"en": "Hi"} and hello.group is None


def test_delete_a_macro(admin_client, hello):
    response = admin_client.post(reverse("settings_macro_delete", args=[hello.public_id]))

    assert response.status_code == 302
    assert not Macro.objects.filter(pk=hello.pk).exists()


def test_create_and_delete_a_group(admin_client, account, hello, greetings):
    created = admin_client.post(reverse("settings_macro_group_create"), {"name": "Sales"})
    assert created.status_code == 302
    assert MacroGroup.objects.filter(account=account, name="Sales").exists()

    duplicate = admin_client.post(reverse("settings_macro_group_create"), {"name": "Sales"})
    assert duplicate.status_code == 400
    assert "A macro group with this name already exists." in duplicate.content.decode()

    admin_client.post(reverse("settings_macro_group_delete", args=[greetings.public_id]))
    hello.refresh_from_db()
    assert hello.group is None  # the macro stays


# --- export and import ---------------------------------------------------------------------


def test_export_json_and_csv(admin_client, hello):
    as_json = admin_client.get(reverse("settings_macros_export_json"))
    as_csv = admin_client.get(reverse("settings_macros_export_csv"))

    assert as_json["Content-Disposition"] == 'attachment; filename="macros.json"'
    assert json.loads(as_json.content)["macros"][0]["texts"] == {
        "de": "Hallo {contact.name}",
        "en": "Hello {contact.name}",
    }
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_csv.content.decode().splitlines()[0].startswith("name,kind,group")


def upload(client, name: str, content: str):
    file = SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")
    return client.post(reverse("settings_macros_import"), {"file": file})


def test_import_is_a_dry_run_first_then_confirmed(admin_client, account, hello):
    data = json.dumps(
        {
            "macros": [
                {"name": "Hello", "texts": {"en": "Hi again"}},
                {"name": "Bye", "group": "Farewell", "texts": {"de": "Tschüss"}},
            ]
        }
    )

    checked = upload(admin_client, "macros.json", data)

    assert checked.status_code == 200
    assert "1 new macros, 1 updated" in checked.content.decode()
    assert not Macro.objects.filter(account=account, name="Bye").exists()

    confirmed = admin_client.post(
        reverse("settings_macros_import"), {"confirm": "1", "name": "macros.json", "data": data}
    )

    assert confirmed.status_code == 302
    assert Macro.objects.get(account=account, name="Bye").group.name == "Farewell"
    hello.refresh_from_db()
    assert hello.texts == {"en": "Hi again"}


def test_an_import_with_bad_rows_lists_problems_and_changes_nothing(admin_client, account, hello):
    data = (
        "name,kind,group,default_language,url,text_en,text_de\n"
        "Good,text,,en,,Fine,\n"
        ",text,,en,,No name,\n"
        "Push,push,,en,nope,,\n"
    )

    response = admin_client.post(
        reverse("settings_macros_import"), {"confirm": "1", "name": "m.csv", "data": data}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "The file has 2 problems. Nothing has been imported." in body
    assert "<td>2</td>" in body and "<code>name</code>" in body
    assert "A push macro needs a web address" in body
    assert list(Macro.objects.filter(account=account).values_list("name", flat=True)) == ["Hello"]


def test_an_unreadable_file_is_explained(admin_client):
    response = upload(admin_client, "macros.json", "{not json")

    assert response.status_code == 400
    assert "The file is not valid JSON" in response.content.decode()


# --- who may ---------------------------------------------------------------------------------

PAGES = [
    ("get", "settings_chat_tools", ()),
    ("get", "settings_macro_new", ()),
    ("post", "settings_macro_group_create", ()),
    ("get", "settings_macros_export_json", ()),
    ("get", "settings_macros_export_csv", ()),
    ("post", "settings_macros_import", ()),
]


@pytest.mark.parametrize(("method", "name", "args"), PAGES)
def test_a_teammate_gets_403(teammate_client, method, name, args):
    response = getattr(teammate_client, method)(reverse(name, args=args))

    assert response.status_code == 403


def test_a_teammate_cannot_edit_or_delete(teammate_client, hello):
    assert teammate_client.get(reverse("settings_macro", args=[hello.public_id])).status_code == 403
    delete = teammate_client.post(reverse("settings_macro_delete", args=[hello.public_id]))
    assert delete.status_code == 403
    assert Macro.objects.filter(pk=hello.pk).exists()


def test_an_outsider_gets_404_for_another_accounts_macro(outsider_client, hello, greetings):
    assert outsider_client.get(reverse("settings_macro", args=[hello.public_id])).status_code == 404
    delete = outsider_client.post(reverse("settings_macro_delete", args=[hello.public_id]))
    assert delete.status_code == 404
    group = outsider_client.post(reverse("settings_macro_group_delete", args=[greetings.public_id]))
    assert group.status_code == 404
    assert Macro.objects.filter(pk=hello.pk).exists()
