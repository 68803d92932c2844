"""Channel credentials: encrypted at rest, masked when printed, readable after a key rotation."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core import serializers
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from messagecenter.core import secrets
from messagecenter.core.secrets import Credentials, CredentialsKeyError, SealedToken
from messagecenter.widgets.models import ChannelConnection, TransportKind

PASSWORD = "hunter2-very-secret"
CREDENTIALS = {"username": "support@acme.test", "password": PASSWORD, "port": 993}


@pytest.fixture
def mailbox(widget):
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind=TransportKind.EMAIL,
        name="Support mailbox",
        credentials=CREDENTIALS,
    )


def stored(conn) -> str:
    """The column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM widgets_channelconnection WHERE id = %s", [conn.pk])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)  # psycopg parses jsonb


def reloaded(conn) -> ChannelConnection:
    return ChannelConnection.objects.get(pk=conn.pk)


def test_round_trip(mailbox):
    loaded = reloaded(mailbox)
    assert loaded.credentials == CREDENTIALS
    assert loaded.credentials["password"] == PASSWORD
    loaded.credentials = {**loaded.credentials, "password": "changed"}
    loaded.save()
    assert reloaded(mailbox).credentials["password"] == "changed"


def test_the_column_holds_no_plaintext(mailbox):
    raw = stored(mailbox)
    assert PASSWORD not in raw and "support@acme.test" not in raw and "password" not in raw
    assert json.loads(secrets.decrypt_text(raw)) == CREDENTIALS
    mailbox.save()
    assert stored(mailbox) != raw  # a fresh token each time: equal secrets are not visible


def test_every_connection_is_encrypted_even_an_empty_one(widget):
    webchat = ChannelConnection.objects.get(widget=widget, kind=TransportKind.WEBCHAT)
    assert stored(webchat) != "{}"
    assert reloaded(webchat).credentials == {}


def test_printing_masks_the_values(mailbox, caplog):
    unsaved = ChannelConnection(kind=TransportKind.EMAIL, credentials={"password": PASSWORD})
    for value in (mailbox.credentials, reloaded(mailbox).credentials, unsaved.credentials):
        assert isinstance(value, Credentials)
        assert PASSWORD not in repr(value) and PASSWORD not in str(value)
        assert PASSWORD not in f"{value}" and PASSWORD not in repr([value])
        assert "'password': '***'" in repr(value)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("messagecenter.test").info(
            "connection %s: %r", mailbox, mailbox.credentials
        )
    assert PASSWORD not in caplog.text


def test_dumpdata_carries_the_token_and_loads_back(mailbox):
    dumped = serializers.serialize("json", [reloaded(mailbox)])
    assert PASSWORD not in dumped
    (restored,) = serializers.deserialize("json", dumped)
    assert restored.object.credentials == CREDENTIALS


def test_filtering_on_credentials_is_refused(mailbox):
    with pytest.raises(FieldError):
        list(ChannelConnection.objects.filter(credentials=CREDENTIALS))
    with pytest.raises(FieldError):
        list(ChannelConnection.objects.filter(credentials__password=PASSWORD))
    assert ChannelConnection.objects.filter(credentials__isnull=True).count() == 0


def test_only_json_objects_are_stored(widget):
    with pytest.raises(TypeError):
        ChannelConnection.objects.create(
            account=widget.account, widget=widget, kind=TransportKind.EMAIL, credentials=["x"]
        )


def test_a_wrong_key_gives_a_clear_error_when_the_credentials_are_used(mailbox, settings):
    settings.SECRET_KEY = "another-secret-key-" * 3
    loaded = reloaded(mailbox)  # the connection itself still loads (the webchat keeps working)
    with pytest.raises(CredentialsKeyError) as caught:
        loaded.credentials["password"]
    assert "MC_CREDENTIALS_KEY" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_connection_saved_without_the_key_keeps_its_credentials(mailbox, settings):
    original_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" * 3
    loaded = reloaded(mailbox)
    loaded.name = "Renamed mailbox"
    loaded.save()
    settings.SECRET_KEY = original_key
    assert reloaded(mailbox).name == "Renamed mailbox"
    assert reloaded(mailbox).credentials == CREDENTIALS


def test_values_queries_give_sealed_tokens(mailbox):
    (token,) = ChannelConnection.objects.filter(pk=mailbox.pk).values_list("credentials", flat=True)
    assert isinstance(token, SealedToken) and PASSWORD not in token
    assert PASSWORD not in repr(ChannelConnection.objects.filter(pk=mailbox.pk).values())


def test_a_dedicated_key_still_reads_what_secret_key_encrypted(mailbox, settings):
    before = stored(mailbox)
    settings.CREDENTIALS_KEY = "dedicated-credentials-key-material"
    assert reloaded(mailbox).credentials == CREDENTIALS
    call_command("reencrypt_credentials", stdout=io.StringIO())
    assert stored(mailbox) != before
    settings.SECRET_KEY = "a-new-secret-key-" * 3  # SECRET_KEY no longer matters
    assert reloaded(mailbox).credentials == CREDENTIALS


def test_rotation_with_old_keys_and_reencryption(mailbox, settings, capsys):
    settings.CREDENTIALS_KEY = "old-key-material-0123456789"
    call_command("reencrypt_credentials", stdout=io.StringIO())  # every row under the old key
    settings.SECRET_KEY = "rotated-secret-key-" * 3  # so only the named keys count

    settings.CREDENTIALS_KEY = "new-key-material-9876543210"
    with pytest.raises(CredentialsKeyError):
        _ = reloaded(mailbox).credentials
    settings.CREDENTIALS_OLD_KEYS = ["old-key-material-0123456789"]
    assert reloaded(mailbox).credentials == CREDENTIALS  # old key accepted for reading

    call_command("reencrypt_credentials")
    assert "re-encrypted" in capsys.readouterr().out
    settings.CREDENTIALS_OLD_KEYS = []
    assert reloaded(mailbox).credentials == CREDENTIALS  # now under the new key alone

    settings.CREDENTIALS_KEY = "old-key-material-0123456789"
    with pytest.raises(CredentialsKeyError):
        _ = reloaded(mailbox).credentials


def test_reencrypting_without_the_right_key_fails_clearly(mailbox, settings):
    from django.core.management.base import CommandError

    settings.SECRET_KEY = "unrelated-secret-key-" * 3
    with pytest.raises(CommandError) as caught:
        call_command("reencrypt_credentials")
    assert "widgets.ChannelConnection.credentials" in str(caught.value)


# --- the migration ------------------------------------------------------------------------------

BEFORE = [("widgets", "0003_widget_continue_ended_days")]
AFTER = [("widgets", "0004_encrypt_channel_credentials")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    """Going back to widgets 0003 also unapplies the migrations that depend on 0004 (other
    apps' tables): put every app back on its latest migration, whatever the test did."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_reverses(widget, back_to_latest):
    old_apps = migrate(BEFORE)
    OldConnection = old_apps.get_model("widgets", "ChannelConnection")
    old = OldConnection.objects.create(
        account_id=widget.account_id,
        widget_id=widget.pk,
        kind="email",
        credentials=CREDENTIALS,
    )
    assert PASSWORD in stored(old)  # plaintext JSON before

    migrate(AFTER)
    assert PASSWORD not in stored(old)
    assert reloaded(old).credentials == CREDENTIALS

    old_apps = migrate(BEFORE)
    plain = old_apps.get_model("widgets", "ChannelConnection").objects.get(pk=old.pk)
    assert plain.credentials == CREDENTIALS
    raw = stored(old)
    assert json.loads(raw) == CREDENTIALS

    migrate(AFTER)
    assert reloaded(old).credentials == CREDENTIALS
