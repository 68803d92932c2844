"""All conversations benchmark: list pages, filters, search and export at a million conversations.

One command: ``.venv/bin/python bench/archive.py [--quick] [--conversations N] [--backends …]``.

1. **Data** (cached): an account with N conversations (default 1,000,000) and about 10 messages
   each (10,000,000), realistic German and English support text, 400 contacts per 1,000
   conversations with e-mail addresses and phone numbers, 20 operators, 3 groups, 2 widgets with
   three channels each, 10 topics, ratings and feedback. The generator writes rows directly
   (batched inserts in one transaction on SQLite, ``COPY`` on PostgreSQL) after the real
   migrations, and the search documents with the application's own ``search.text`` (so the
   index is exactly what the services would have written). The database is kept under
   ``bench/.cache/`` (SQLite file) or as a PostgreSQL database named after the size and the
   generator version, and reused by later runs; ``--regenerate`` builds it again.
2. **Measurements**, per backend, against a real server process (uvicorn, the production
   settings module) over HTTP with a signed-in operator: p50/p95 over ``--repeat`` requests
   after a warm-up of
   - the inbox's first page and All conversations' first page (50 rows),
   - a filtered page (operator + status + a 30-day period),
   - a deep keyset page (the cursor of the middle row: page N/2/50 without OFFSET),
   - search, 50 results with snippets: a rare word, a common word, a 3-character prefix, a
     phone number typed in national notation;
   each archive URL twice: the full page (with the app shell around it) and its rows only,
   as archive.js loads them (filters, search while typing, more rows);
   - export of 100,000 rows (all rows at ``--quick``) on a fresh server process: time, rows/s
     and the process's peak RSS.
3. **Same-run baselines** on the same data: ``/healthz`` over HTTP (the server's floor), the
   page's core SQL run directly (sqlite3 / psycopg: what the database alone needs), the text
   index queried directly for the same words, and a raw cursor streaming the export's rows
   into ``csv`` in this process.

Targets: page and filtered page p95 <= 50 ms, search p95 <= 150 ms, export >= 20,000 rows/s
under 150 MB RSS. JSON goes to ``bench/results/archive-<stamp>.json``; a markdown table is
printed. The machine has 2 cores shared by this process, the server and PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
import httpx
import psutil

GENERATOR_VERSION = 1
CACHE = common.BENCH / ".cache"
SECRET_KEY = "bench-archive-" + "k" * 40
BACKENDS = ("sqlite", "postgres")
MESSAGES_PER_CONVERSATION = 10
CONTACTS_PER_CONVERSATION = 0.4
OPERATORS = 20
EXPORT_ROWS = 100_000
TARGETS = {"page": 50.0, "search": 150.0, "export_rate": 20_000, "export_rss_mb": 150.0}

# The query mix. The rare word is planted in 1 of 100,000 messages, the common one is in about
# a fifth of them, the prefix starts several frequent words; the phone number belongs to a
# contact with conversations and is typed the way people type it.
RARE_WORD = "Quittungsdrucker"
COMMON_WORD = "Bestellung"
PREFIX = "lie"
PHONE_E164 = "+4915123456789"
PHONE_TYPED = "0151 234 567 89"


# --- text ----------------------------------------------------------------------------------

DE = [
    "Hallo, ich habe eine Frage zu meiner {order} {num}.",
    "Meine {order} ist leider noch nicht angekommen.",
    "Wann wird die {delivery} voraussichtlich zugestellt?",
    "Die Rechnung für {order} {num} stimmt nicht, bitte prüfen Sie das.",
    "Können Sie mir die Sendungsnummer schicken?",
    "Ich möchte den Artikel {product} zurückgeben.",
    "Der {product} funktioniert seit gestern nicht mehr.",
    "Vielen Dank für Ihre schnelle Hilfe!",
    "Wir haben Ihre {order} geprüft und die {delivery} ist unterwegs.",
    "Die Rückerstattung wurde veranlasst und erscheint in drei bis fünf Werktagen.",
    "Bitte senden Sie uns ein Foto vom beschädigten {product}.",
    "Ich habe die Lieferadresse geändert, kommt das Paket trotzdem an?",
    "Gibt es den {product} auch in einer anderen Größe?",
    "Leider ist der {product} derzeit nicht lieferbar.",
    "Ihr Konto wurde aktualisiert, Sie können sich jetzt wieder anmelden.",
    "Könnten Sie mir bitte Ihre Kundennummer nennen?",
    "Die Zahlung per Überweisung ist bei uns eingegangen.",
    "Ich warte schon seit zwei Wochen auf meine Lieferung.",
    "Die Bestellungen von Geschäftskunden bearbeiten wir bevorzugt.",
    "Schöne Grüße aus München und einen guten Tag noch.",
]
EN = [
    "Hi, I have a question about my {en_order} {num}.",
    "My {en_order} still has not arrived.",
    "When will the {en_delivery} be delivered?",
    "The invoice for {en_order} {num} looks wrong, could you check it?",
    "Could you send me the tracking number?",
    "I would like to return the {en_product}.",
    "The {en_product} stopped working yesterday.",
    "Thanks a lot for your quick help!",
    "We checked your {en_order} and the {en_delivery} is on its way.",
    "The refund has been issued and should appear within three to five business days.",
    "Please send us a photo of the damaged {en_product}.",
    "I changed the delivery address, will the parcel still arrive?",
    "Is the {en_product} available in another size?",
    "Unfortunately the {en_product} is currently out of stock.",
    "Your account has been updated, you can sign in again now.",
    "Could you tell me your customer number?",
    "We received your payment by bank transfer.",
    "I have been waiting for my delivery for two weeks.",
    "Orders from business customers are handled first.",
    "Kind regards and have a nice day.",
]
FILL = {
    "order": ["Bestellung", "Bestellung", "Order", "Lieferung", "Reklamation"],
    "delivery": ["Lieferung", "Sendung", "Ersatzlieferung", "Teillieferung"],
    "product": [
        "Kaffeevollautomat",
        "Staubsauger",
        "Wasserkocher",
        "Toaster",
        "Mixer",
        "Akkuschrauber",
        "Rasenmäher",
        "Drucker",
        "Monitor",
        "Kopfhörer",
    ],
    "en_order": ["order", "order", "purchase", "delivery", "complaint"],
    "en_delivery": ["delivery", "shipment", "replacement", "parcel"],
    "en_product": [
        "coffee machine",
        "vacuum cleaner",
        "kettle",
        "toaster",
        "blender",
        "drill",
        "lawn mower",
        "printer",
        "monitor",
        "headphones",
    ],
}
FIRST = [
    "Anna",
    "Jonas",
    "Lena",
    "Lukas",
    "Marie",
    "Paul",
    "Sophie",
    "Felix",
    "Emma",
    "Leon",
    "Olivia",
    "James",
    "Emily",
    "Noah",
    "Müller",
    "Jürgen",
    "Sören",
    "Björn",
    "Zoë",
    "Chloé",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Groß",
    "Köhler",
    "Jäger",
]
COMPANIES = [
    "",
    "",
    "",
    "Müller GmbH",
    "Schmidt & Söhne KG",
    "Acme Ltd",
    "Nordlicht AG",
    "Bäckerei Weber",
    "Globex Inc",
]


class TextMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def _fill(self, template: str) -> str:
        rng = self.rng
        values = {key: rng.choice(options) for key, options in FILL.items()}
        values["num"] = str(rng.randrange(100000, 999999))
        return template.format(**values)

    def message(self, german: bool) -> str:
        sentences = DE if german else EN
        count = 1 + (self.rng.random() < 0.5) + (self.rng.random() < 0.2)
        body = " ".join(self._fill(self.rng.choice(sentences)) for _ in range(count))
        if self.rng.random() < 1e-5:
            body += f" Der {RARE_WORD} druckt keine Belege mehr."
        return body


# --- generating the data (runs in a subprocess with Django set up for the target) ---------


def _django() -> Any:
    sys.path.insert(0, str(common.ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messagecenter.settings")
    import django

    django.setup()
    return django


class Table:
    """Rows for one model's table, in its column order, with every other column defaulted."""

    def __init__(self, model, connection, *, own_ids: bool = True):
        from django.db.models import AutoField

        self.model = model
        self.table = model._meta.db_table
        # Serial primary keys are left to the database unless the generator numbers the rows.
        fields = [
            f
            for f in model._meta.concrete_fields
            if own_ids or not (f.primary_key and isinstance(f, AutoField))
        ]
        self.columns = [f.column for f in fields]
        self.template = [self._default(f, connection) for f in fields]
        self.index = {name: n for n, name in enumerate(self.columns)}
        for f in fields:
            self.index.setdefault(f.name, self.index[f.column])

    @staticmethod
    def _default(field, connection):
        value = field.get_default()  # "" for text columns without a default, else None
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        if isinstance(value, bool) and connection.vendor == "sqlite":
            return int(value)
        return value

    def row(self, values: dict) -> list:
        row = list(self.template)
        for key, value in values.items():
            row[self.index[key]] = value
        return row


class Writer:
    """Batched inserts in one transaction (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, connection):
        self.vendor = connection.vendor
        self.raw = connection.connection  # the DB-API connection under Django's wrapper
        self.pending: dict[str, tuple[Table, list]] = {}

    def add(self, table: Table, values: dict) -> None:
        entry = self.pending.setdefault(table.table, (table, []))
        entry[1].append(table.row(values))
        if len(entry[1]) >= 20_000:
            self.flush(table.table)

    def flush(self, name: str | None = None) -> None:
        for key in [name] if name else list(self.pending):
            table, rows = self.pending.get(key, (None, []))
            if not rows:
                continue
            if self.vendor == "sqlite":
                marks = ", ".join("?" * len(table.columns))
                columns = ", ".join(f'"{c}"' for c in table.columns)
                self.raw.executemany(f'INSERT INTO "{key}" ({columns}) VALUES ({marks})', rows)
            else:
                columns = ", ".join(f'"{c}"' for c in table.columns)
                with (
                    self.raw.cursor() as cursor,
                    cursor.copy(f'COPY "{key}" ({columns}) FROM STDIN') as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            rows.clear()


def _stamp(vendor: str, moment: datetime):
    """A datetime as Django stores it: naive UTC text on SQLite, aware on PostgreSQL."""
    if vendor == "sqlite":
        return str(moment.replace(tzinfo=None))
    return moment


def generate(conversations: int, seed: int = 7) -> dict[str, Any]:
    """Create the account through the services, then the bulk rows directly."""
    _django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from messagecenter.accounts import services as accounts
    from messagecenter.accounts.models import Role
    from messagecenter.contacts.models import Contact, ContactIdentity
    from messagecenter.conversations.models import Conversation, Message, TimelineEntry, Topic
    from messagecenter.core.rendering import render_plain
    from messagecenter.search.models import ContactDocument, MessageDocument
    from messagecenter.search.text import document_terms
    from messagecenter.widgets.models import ChannelConnection, TransportKind
    from messagecenter.widgets.services import create_widget

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)
    vendor = connection.vendor
    account = accounts.create_account("Bench GmbH")
    groups = [accounts.create_group(account, name) for name in ("Support", "Sales", "Billing")]
    operators = [
        accounts.create_operator(
            account,
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n:02d}",
            email=f"op{n:02d}@bench.test",
            role=Role.ADMIN if n == 0 else Role.OPERATOR,
            groups=[groups[n % 3]],
        )
        for n in range(OPERATORS)
    ]
    topics = [
        Topic.objects.create(account=account, name=name)
        for name in (
            "Lieferung",
            "Rechnung",
            "Rücksendung",
            "Technik",
            "Konto",
            "Order",
            "Invoice",
            "Returns",
            "Feedback",
            "Sonstiges",
        )
    ]
    widgets = [create_widget(account, name, operator_group=groups[0]) for name in ("Shop", "Hilfe")]
    channels = []
    for widget in widgets:
        channels.append(ChannelConnection.objects.get(widget=widget, kind=TransportKind.WEBCHAT))
        for kind in (TransportKind.EMAIL, TransportKind.WHATSAPP):
            channels.append(
                ChannelConnection.objects.create(account=account, widget=widget, kind=kind)
            )

    now = datetime.now(UTC).replace(microsecond=0)
    span = timedelta(days=730)
    contacts_total = max(1, int(conversations * CONTACTS_PER_CONVERSATION))
    contact_t = Table(Contact, connection)
    identity_t = Table(ContactIdentity, connection, own_ids=False)
    contact_doc_t = Table(ContactDocument, connection)
    conversation_t = Table(Conversation, connection)
    entry_t = Table(TimelineEntry, connection)
    message_t = Table(Message, connection)
    document_t = Table(MessageDocument, connection)
    text = TextMaker(rng)
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

    def public_id(prefix: str) -> str:
        return prefix + "_" + "".join(rng.choices(alphabet, k=16))

    writer = Writer(connection)
    first_contact = _next_id(connection, Contact)
    first_conversation = _next_id(connection, Conversation)
    first_entry = _next_id(connection, TimelineEntry)
    truthy = (lambda v: int(v)) if vendor == "sqlite" else (lambda v: v)
    if vendor == "sqlite":
        # One big transaction: a rollback journal stays small on a new file where WAL would
        # hold a second copy of every page until the commit. WAL again afterwards.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=DELETE")
            cursor.execute("PRAGMA cache_size=-1000000")
    with transaction.atomic(), _bulk_mode(connection):
        contact_locale: list[str] = []
        for n in range(contacts_total):
            pk = first_contact + n
            german = rng.random() < 0.6
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.9 else ""
            company = rng.choice(COMPANIES)
            customer_id = f"KD-{100000 + n}" if rng.random() < 0.5 else ""
            country = "DE" if german else rng.choice(["GB", "US", "AT", "CH", "NL"])
            postcode = f"{rng.randrange(10000, 99999)}"
            contact_locale.append("de" if german else "en")
            writer.add(
                contact_t,
                {
                    "id": pk,
                    "account_id": account.pk,
                    "public_id": public_id("ct"),
                    "name": name,
                    "company": company,
                    "customer_id": customer_id,
                    "country": country,
                    "postcode": postcode,
                    "locale": contact_locale[-1],
                    "created_at": _stamp(vendor, now - span),
                    "blocked": truthy(False),
                },
            )
            emails = []
            if rng.random() < 0.7:
                emails.append(f"kunde{n}@example.{'de' if german else 'com'}")
                writer.add(
                    identity_t,
                    {
                        "account_id": account.pk,
                        "contact_id": pk,
                        "kind": "email",
                        "value": emails[0],
                        "created_at": _stamp(vendor, now - span),
                    },
                )
            phone = PHONE_E164 if n == 0 else (f"+49170{n:08d}" if rng.random() < 0.4 else "")
            if phone:
                writer.add(
                    identity_t,
                    {
                        "account_id": account.pk,
                        "contact_id": pk,
                        "kind": "phone",
                        "value": phone,
                        "created_at": _stamp(vendor, now - span),
                    },
                )
            terms = document_terms(name, company, customer_id, country, postcode, *emails)
            writer.add(
                contact_doc_t,
                {
                    "contact_id": pk,
                    "account_id": account.pk,
                    "document": " ".join(terms),
                },
            )
        writer.flush()

        entry_id = first_entry
        messages = 0
        recent = int(conversations * 0.97)
        for n in range(conversations):
            pk = first_conversation + n
            # Contact 0 (the phone search's) has conversations spread over the whole range.
            contact_n = 0 if n % 5000 == 17 else rng.randrange(contacts_total)
            german = contact_locale[contact_n] == "de"
            created = now - span + span * (n / conversations) + timedelta(seconds=rng.random())
            count = rng.randint(2, 2 * MESSAGES_PER_CONVERSATION - 2)
            channel = rng.choices(channels, weights=[40, 5, 5, 40, 5, 5])[0]
            operator = rng.choice(operators) if rng.random() < 0.9 else None
            at = created
            operator_names = operator.name if operator else "Bot"
            for seq in range(1, count + 1):
                at = at + timedelta(seconds=rng.randint(20, 900))
                from_contact = seq % 2 == 1
                author = "contact" if from_contact else ("operator" if operator else "bot")
                body = text.message(german)
                writer.add(
                    entry_t,
                    {
                        "id": entry_id,
                        "account_id": account.pk,
                        "conversation_id": pk,
                        "seq": seq,
                        "kind": "message",
                        "actor_kind": author,
                        "actor_name": "" if from_contact else operator_names,
                        "at": _stamp(vendor, at),
                        "session_number": 1,
                    },
                )
                writer.add(
                    message_t,
                    {
                        "entry_id": entry_id,
                        "account_id": account.pk,
                        "conversation_id": pk,
                        "author_kind": author,
                        "author_operator_id": operator.pk if author == "operator" else None,
                        "body": body,
                        "html": render_plain(body),
                        "format": "plain",
                        "connection_id": channel.pk,
                        "delivery_state": "none" if from_contact else "sent",
                    },
                )
                writer.add(
                    document_t,
                    {
                        "entry_id": entry_id,
                        "account_id": account.pk,
                        "conversation_id": pk,
                        "document": " ".join(document_terms(body)),
                    },
                )
                entry_id += 1
            messages += count
            status = "ended" if n < recent else rng.choice(["new", "open", "waiting", "ended"])
            rated = status == "ended" and rng.random() < 0.2
            writer.add(
                conversation_t,
                {
                    "id": pk,
                    "account_id": account.pk,
                    "public_id": public_id("cv"),
                    "contact_id": first_contact + contact_n,
                    "widget_id": channel.widget_id,
                    "connection_id": channel.pk,
                    "status": status,
                    "topic_id": rng.choice(topics).pk if rng.random() < 0.6 else None,
                    "assigned_operator_id": operator.pk if operator else None,
                    "assigned_group_id": rng.choice(groups).pk,
                    "locale": "de" if german else "en",
                    "last_seq": count,
                    "created_at": _stamp(vendor, created),
                    "last_activity_at": _stamp(vendor, at),
                    "status_changed_at": _stamp(vendor, at),
                    "ended_at": _stamp(vendor, at) if status == "ended" else None,
                    "had_bot": truthy(operator is None or rng.random() < 0.05),
                    "contact_message_count": (count + 1) // 2,
                    "rating": rng.randint(1, 5) if rated else None,
                    "feedback": rng.choice(
                        [
                            "Super Service!",
                            "Zu langsam.",
                            "Great help, thanks",
                            "Leider keine Lösung",
                        ]
                    )
                    if rated and rng.random() < 0.3
                    else "",
                },
            )
            if n % 50_000 == 49_999:
                writer.flush()
                rate = messages / (time.monotonic() - started)
                print(
                    f"  {n + 1:>10,} conversations, {messages:>11,} messages "
                    f"({rate:,.0f} messages/s)",
                    file=sys.stderr,
                    flush=True,
                )
        writer.flush()
    _finish(connection, [Contact, Conversation, TimelineEntry])
    elapsed = time.monotonic() - started
    return {
        "conversations": conversations,
        "messages": messages,
        "contacts": contacts_total,
        "seconds": round(elapsed, 1),
        "messages_per_second": round(messages / elapsed),
        "account": account.public_id,
    }


def _next_id(connection, model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX("{model._meta.pk.column}") FROM "{model._meta.db_table}"')
        return (cursor.fetchone()[0] or 0) + 1


@contextlib.contextmanager
def _bulk_mode(connection):
    """Loading only: SQLite without the FTS triggers (the index is rebuilt in one pass at
    the end), PostgreSQL without the GIN indexes (built once after COPY) and FK triggers."""
    saved: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND name LIKE 'search_%'"
            )
            triggers = cursor.fetchall()
            saved = [sql for _name, sql in triggers]
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname IN "
                "('search_message_gin', 'search_contact_gin')"
            )
            saved = [row[0] for row in cursor.fetchall()]
            cursor.execute("DROP INDEX IF EXISTS search_message_gin")
            cursor.execute("DROP INDEX IF EXISTS search_contact_gin")
            cursor.execute("SET session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in ("message", "contact"):
                cursor.execute(
                    f"INSERT INTO search_{name}_fts(search_{name}_fts) VALUES ('rebuild')"
                )
                # What the vocabulary triggers would have written (migration search.0004).
                cursor.execute(
                    "INSERT OR IGNORE INTO search_term (term) SELECT terms.value"
                    f" FROM search_{name}document d, json_each('[\"' ||"
                    " replace(d.document, ' ', '\",\"') || '\"]') AS terms"
                    " WHERE d.document != ''"
                )
            for statement in saved:
                cursor.execute(statement)
        else:
            cursor.execute("SET session_replication_role = origin")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for statement in saved:
                cursor.execute(statement)


def _finish(connection, models) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_message_fts(search_message_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA journal_mode=WAL")
        else:
            for model in models:
                table, pk = model._meta.db_table, model._meta.pk.column
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
                    f'(SELECT MAX("{pk}") FROM "{table}"))'
                )
    if connection.vendor == "postgresql":
        connection.connection.autocommit = True
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def session() -> dict[str, Any]:
    """A fresh signed-in session for the admin operator, and ids the queries need."""
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Max

    from messagecenter.accounts.models import Operator
    from messagecenter.conversations.models import Conversation

    admin = Operator.objects.get(email="op00@bench.test")
    operator = Operator.objects.get(email="op03@bench.test")
    store = SessionStore()
    store[SESSION_KEY] = str(admin.pk)
    store[BACKEND_SESSION_KEY] = "messagecenter.accounts.auth.OperatorBackend"
    store[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    store.save()
    conversations = Conversation.objects.filter(account=admin.account)
    total = conversations.count()
    middle = conversations.order_by("-last_activity_at", "-id").values_list(
        "last_activity_at", "pk"
    )[total // 2]
    newest = conversations.aggregate(Max("last_activity_at"))["last_activity_at__max"]
    return {
        "session": store.session_key,
        "account_id": admin.account_id,
        "operator": operator.public_id,
        "conversations": total,
        "middle": [middle[0].isoformat(), middle[1]],
        "newest": newest.isoformat(),
        "vendor": connection.vendor,
    }


# --- the cache ----------------------------------------------------------------------------


def cache_name(conversations: int) -> str:
    return f"archive_{conversations}_v{GENERATOR_VERSION}"


def backend_env(backend: str, conversations: int) -> dict[str, str]:
    data_dir = CACHE / f"{cache_name(conversations)}-{backend}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = common.base_env(data_dir)
    env.update(SECRET_KEY=SECRET_KEY, PYTHONPATH=str(common.ROOT / "src"), MC_DEBUG="0")
    if backend == "postgres":
        env["DATABASE_URL"] = f"{common.PG}/{cache_name(conversations)}"
    return env


def ensure_data(backend: str, conversations: int, regenerate: bool) -> dict[str, Any]:
    """The cached database for this size, generated on first use (marker file = complete)."""
    env = backend_env(backend, conversations)
    data_dir = Path(env["MC_DATA_DIR"])
    marker = data_dir / "generated.json"
    if marker.exists() and not regenerate:
        return json.loads(marker.read_text())
    marker.unlink(missing_ok=True)
    _drop(backend, conversations, data_dir)
    say(f"{backend}: generating {conversations:,} conversations (cached in {data_dir})")
    done = subprocess.run(
        [common.PYTHON, __file__, "_generate", "--conversations", str(conversations)],
        env=env,
        cwd=common.ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{backend}: generating failed (exit {done.returncode})")
    info = json.loads(done.stdout.strip().splitlines()[-1])
    info["size_bytes"] = _database_size(backend, conversations, data_dir)
    marker.write_text(json.dumps(info, indent=2))
    return info


def _drop(backend: str, conversations: int, data_dir: Path) -> None:
    if backend == "sqlite":
        for path in data_dir.glob("messagecenter.sqlite3*"):
            path.unlink()
        return
    import psycopg

    with psycopg.connect(f"{common.PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cache_name(conversations)}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{cache_name(conversations)}"')


def _database_size(backend: str, conversations: int, data_dir: Path) -> int:
    if backend == "sqlite":
        return sum(p.stat().st_size for p in data_dir.glob("messagecenter.sqlite3*"))
    import psycopg

    with psycopg.connect(f"{common.PG}/{cache_name(conversations)}") as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


# --- measuring ------------------------------------------------------------------------------


def say(text: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass
class Options:
    conversations: int = 1_000_000
    backends: tuple[str, ...] = BACKENDS
    repeat: int = 30
    warmup: int = 3
    regenerate: bool = False
    generate_only: bool = False
    quick: bool = False
    out: Path | None = None


def timed(
    client: httpx.Client, url: str, repeat: int, warmup: int, headers: dict | None = None
) -> dict[str, Any]:
    for _ in range(warmup):
        client.get(url, headers=headers).raise_for_status()
    samples = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return {
        "p50_ms": common.rounded(common.percentile(samples, 50)),
        "p95_ms": common.rounded(common.percentile(samples, 95)),
        "bytes": size,
    }


def timed_call(call, repeat: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": common.rounded(common.percentile(samples, 50)),
        "p95_ms": common.rounded(common.percentile(samples, 95)),
    }


def sign_cursor(at: str, pk: int) -> str:
    from django.conf import settings

    if not settings.configured:
        settings.configure(SECRET_KEY=SECRET_KEY)
    from django.core import signing

    return signing.dumps([at, pk], salt="archive.cursor")


class RssPeak:
    """Samples a process's RSS every 20 ms until stopped."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = self.process.memory_info().rss
        self.before = self.peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.process.memory_info().rss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measure_export(client: httpx.Client, server, url: str) -> dict[str, Any]:
    peak = RssPeak(server.pid)
    start = time.perf_counter()
    rows = -1
    with client.stream("GET", url) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            rows += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    peak.stop()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "rss_before_mb": round(peak.before / 2**20, 1),
        "rss_peak_mb": round(peak.peak / 2**20, 1),
    }


# The database floor: the page's core statement and the text index, asked directly.
PAGE_SQL = (
    "SELECT c.id, c.public_id, c.status, c.last_activity_at, ct.name, o.name"
    " FROM conversations_conversation c"
    " JOIN contacts_contact ct ON ct.id = c.contact_id"
    " LEFT JOIN accounts_operator o ON o.id = c.assigned_operator_id"
    " WHERE c.account_id = {p} ORDER BY c.last_activity_at DESC, c.id DESC LIMIT 50"
)


def raw_baselines(backend: str, info: dict, env: dict, repeat: int, warmup: int) -> dict:
    export_sql = (
        "SELECT c.public_id, c.created_at, c.last_activity_at, c.status, ct.name"
        " FROM conversations_conversation c JOIN contacts_contact ct ON ct.id = c.contact_id"
        " WHERE c.account_id = {p} ORDER BY c.last_activity_at DESC, c.id DESC LIMIT {n}"
    )
    if backend == "sqlite":
        path = Path(env["MC_DATA_DIR"]) / "messagecenter.sqlite3"
        conn = sqlite3.connect(path)
        p, index = (
            "?",
            (
                "SELECT rowid FROM search_message_fts WHERE search_message_fts MATCH ? LIMIT 5001",
                f'"{COMMON_WORD.lower()}"*',
            ),
        )

        def run(sql, params=()):
            return conn.execute(sql, params).fetchall()

        def stream(sql, params=()):
            cursor = conn.execute(sql, params)
            while batch := cursor.fetchmany(2000):
                yield from batch
    else:
        import psycopg

        conn = psycopg.connect(env["DATABASE_URL"])
        p, index = (
            "%s",
            (
                "SELECT conversation_id FROM search_messagedocument WHERE "
                "document @@ %s::tsquery LIMIT 5001",
                f"'{COMMON_WORD.lower()}':*",
            ),
        )

        def run(sql, params=()):
            return conn.execute(sql, params).fetchall()

        def stream(sql, params=()):
            with conn.cursor(name="export") as cursor:
                cursor.execute(sql, params)
                while batch := cursor.fetchmany(2000):
                    yield from batch

    account = info["account_id"]
    page = timed_call(lambda: run(PAGE_SQL.format(p=p), (account,)), repeat, warmup)
    probe = timed_call(lambda: run(index[0], (index[1],)), repeat, warmup)
    rows = min(EXPORT_ROWS, info["conversations"])
    start = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    count = 0
    for row in stream(export_sql.format(p=p, n=rows), (account,)):
        writer.writerow(row)
        count += 1
        if out.tell() > 1 << 20:
            out.seek(0)
            out.truncate()
    export = {"rows": count, "rows_per_s": round(count / (time.perf_counter() - start))}
    conn.close()
    return {"page_sql": page, "index_probe": probe, "raw_export": export}


def measure_backend(backend: str, options: Options, log_dir: Path) -> dict[str, Any]:
    info = ensure_data(backend, options.conversations, options.regenerate)
    if options.generate_only:
        return {"data": info}
    env = backend_env(backend, options.conversations)
    # Migrations written since the data was generated (other apps' new columns) apply to the
    # cached database first; they are small next to regenerating it.
    subprocess.run(
        [common.PYTHON, "-m", "django", "migrate", "--verbosity", "0"],
        env=env,
        cwd=common.ROOT,
        check=True,
    )
    done = subprocess.run(
        [common.PYTHON, __file__, "_session"],
        env=env,
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    ids = json.loads(done.stdout.strip().splitlines()[-1])
    info = {**info, **ids}
    server = common.start_uvicorn(env, log_dir, name=f"archive-{backend}")
    base = f"http://127.0.0.1:{server.port}"
    results: dict[str, Any] = {"data": info}
    try:
        client = httpx.Client(
            base_url=base,
            cookies={"mc_session": ids["session"]},
            timeout=600,
            headers={"Accept": "text/html"},
        )
        repeat, warmup = options.repeat, options.warmup
        newest = datetime.fromisoformat(ids["newest"])
        period = f"period=custom&from={(newest - timedelta(days=30)).date()}&to={newest.date()}"
        cursor = sign_cursor(*ids["middle"])
        urls = {
            "inbox_first_page": "/inbox/",
            "archive_first_page": "/conversations/",
            "filtered_page": f"/conversations/?operator={ids['operator']}&status=ended&{period}",
            "deep_keyset_page": "/conversations/?" + httpx.QueryParams({"after": cursor}).__str__(),
            "search_rare_word": f"/conversations/?q={RARE_WORD}",
            "search_common_word": f"/conversations/?q={COMMON_WORD}",
            "search_prefix_3": f"/conversations/?q={PREFIX}",
            "search_phone": "/conversations/?" + str(httpx.QueryParams({"q": PHONE_TYPED})),
        }
        results["healthz"] = timed(client, "/healthz", repeat, warmup)
        rows_only = {"Accept": "application/json"}
        for key, url in urls.items():
            say(f"{backend}: {key}")
            try:
                results[key] = timed(client, url, repeat, warmup)
                if url.startswith("/conversations/"):
                    # The same rows as archive.js loads them (filters, search while typing,
                    # more rows): the archive's own work, without the app shell around it.
                    results[key + "_rows"] = timed(client, url, repeat, warmup, rows_only)
            except httpx.HTTPStatusError as error:
                results[key] = {"error": f"HTTP {error.response.status_code}"}
        plans = {}
        for key in ("search_rare_word", "search_common_word", "search_prefix_3"):
            plans[key] = client.get(urls[key], headers={"Accept": "application/json"}).json()[
                "plan"
            ]
        results["search_plans"] = plans
        export_url = "/conversations/export.csv"
        if info["conversations"] > EXPORT_ROWS:
            export_url += "?channel=email"  # about 10 % of the conversations
        results["server_log"] = server.log_problems()
        server.stop()
        # The export runs on a fresh server process: its memory is then the export's, not
        # what the searches before left in the allocator.
        say(f"{backend}: export")
        server = common.start_uvicorn(env, log_dir, name=f"archive-{backend}-export")
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}", cookies={"mc_session": ids["session"]},
            timeout=600,
        )  # fmt: skip
        client.get("/conversations/").raise_for_status()  # warm: imports, connection
        results["export"] = measure_export(client, server, export_url)
        say(f"{backend}: baselines")
        results["baselines"] = raw_baselines(backend, info, env, repeat, warmup)
    finally:
        server.stop()
    return results


# --- reporting --------------------------------------------------------------------------------


ROWS = [
    ("inbox_first_page", "Inbox, first page", "page"),
    ("archive_first_page", "All conversations, first page (50 rows)", "page"),
    ("filtered_page", "Filtered page (operator + status + 30 days)", "page"),
    ("deep_keyset_page", "Deep keyset page (middle of the list)", "page"),
    ("search_rare_word", f"Search: rare word ({RARE_WORD})", "search"),
    ("search_common_word", f"Search: common word ({COMMON_WORD})", "search"),
    ("search_prefix_3", f"Search: 3-character prefix ({PREFIX})", "search"),
    ("search_phone", f"Search: phone ({PHONE_TYPED})", "search"),
]


def _cell(found: dict, key: str) -> str:
    got = found.get(key, {})
    if "error" in got:
        return got["error"]
    if "p50_ms" not in got:
        return "–"
    return f"{got['p50_ms']:.1f} / {got['p95_ms']:.1f}"


def _met(found: dict, key: str, target: float) -> str:
    p95 = found.get(key, {}).get("p95_ms")
    return "–" if p95 is None else ("yes" if p95 <= target else "**no**")


def render(results: dict[str, dict]) -> str:
    """One table: each measure on each backend (p50 / p95 ms), its target, whether met, and
    the same-run baseline beside it."""
    backends = [b for b in results if "healthz" in results[b]]
    lines = []
    for backend, found in results.items():
        data = found["data"]
        lines.append(
            f"- **{backend}**: {data.get('conversations', 0):,} conversations, "
            f"{data.get('messages', 0):,} messages, {data.get('contacts', 0):,} contacts; "
            f"database {data.get('size_bytes', 0) / 2**30:.1f} GiB, generated in "
            f"{data.get('seconds')} s ({data.get('messages_per_second', 0):,} messages/s)"
        )
    if not backends:
        return "\n".join(lines)
    headers = ["measure (p50 / p95 ms)", "target p95"]
    for backend in backends:
        headers += [backend, "met", f"{backend} baseline"]
    rows = [["HTTP floor: `GET /healthz`", "", *[
        x for b in backends for x in (_cell(results[b], "healthz"), "", "")
    ]]]  # fmt: skip
    for key, label, kind in ROWS:
        for variant, suffix in (("", ""), ("_rows", " — rows only (archive.js)")):
            if not any(key + variant in results[b] for b in backends):
                continue
            row = [label + suffix, f"<= {TARGETS[kind]:.0f}"]
            for backend in backends:
                found = results[backend]
                base = found["baselines"]["page_sql" if kind == "page" else "index_probe"]
                plan = found.get("search_plans", {}).get(key) if variant else None
                baseline = f"{base['p50_ms']:.1f} / {base['p95_ms']:.1f}"
                baseline += " (core SQL alone)" if kind == "page" else " (index probe alone)"
                cell = _cell(found, key + variant) + (f" ({plan})" if plan else "")
                row += [cell, _met(found, key + variant, TARGETS[kind]), baseline]
            rows.append(row)
    row = ["Export: rows, rows/s, peak RSS", f">= {TARGETS['export_rate']:,}/s, <= 150 MB"]
    for backend in backends:
        export, raw = results[backend]["export"], results[backend]["baselines"]["raw_export"]
        met = (export["rows_per_s"] >= TARGETS["export_rate"]
               and export["rss_peak_mb"] <= TARGETS["export_rss_mb"])  # fmt: skip
        row += [
            f"{export['rows']:,} rows, {export['rows_per_s']:,}/s, {export['rss_peak_mb']} MB",
            "yes" if met else "**no**",
            f"raw cursor → csv {raw['rows_per_s']:,}/s; "
            f"server RSS before {export['rss_before_mb']} MB",
        ]
    rows.append(row)
    lines.append("")
    lines.append(common.table(headers, rows))
    return "\n".join(lines)


def parse(argv) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI size: 10,000 conversations")
    parser.add_argument("--conversations", type=int, help="data size (1,000,000)")
    parser.add_argument("--backends", help="comma-separated: sqlite,postgres (both)")
    parser.add_argument("--repeat", type=int, help="timed requests per measure (30)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached data")
    parser.add_argument(
        "--generate-only", action="store_true", help="build the data, measure nothing"
    )
    parser.add_argument("--out", type=Path, help="JSON path")
    args = parser.parse_args(argv)
    options = Options()
    if args.quick:
        options.conversations, options.repeat, options.quick = 10_000, 15, True
    if args.conversations:
        options.conversations = args.conversations
    if args.repeat:
        options.repeat = args.repeat
    if args.backends:
        options.backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
        if set(options.backends) - set(BACKENDS):
            parser.error("backends are sqlite and postgres")
    options.regenerate, options.generate_only, options.out = (
        args.regenerate,
        args.generate_only,
        args.out,
    )
    return options


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_generate"]:
        conversations = int(argv[argv.index("--conversations") + 1])
        print(json.dumps(generate(conversations)))
        return 0
    if argv[:1] == ["_session"]:
        print(json.dumps(session()))
        return 0
    if argv[:1] == ["--render"]:
        print(render(json.loads(Path(argv[1]).read_text())["results"]))
        return 0
    options = parse(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_dir = common.RESULTS / f"logs-archive-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results = {backend: measure_backend(backend, options, log_dir) for backend in options.backends}
    out = options.out or common.RESULTS / f"archive-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "archive",
                "started": started.isoformat(),
                "finished": datetime.now(UTC).isoformat(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version,
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                },
                "options": {
                    k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()
                },
                "results": results,
            },
            indent=2,
            default=str,
        )
    )
    print(render(results))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
