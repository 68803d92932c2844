# ruff: noqa: E501  (the demo dialogues below are prose, one message a line)
"""The demo account a new installation starts with: "Demo GmbH", its team and its inbox.

Everything is written through the domain services, exactly as the operator app, the messenger
and the REST API would write it, so the demo shows only states the product can reach. The
only trick is the clock: to spread the conversations over the last days, the seed runs under
a controllable clock (``_DemoClock``) patched over ``messagecenter.core.clock.now`` and
``django.utils.timezone.now`` (the latter so ``auto_now_add`` fields agree). It is patched for
the duration of the seed only, and the seed runs before the server starts its threads.

The seed refuses to touch a database that already holds an account: it is for empty
installations, never a way to mix demo rows into real data.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

from django.db import transaction
from django.utils import timezone as django_timezone

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Account, Operator, OperatorGroup, Role
from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import Contact
from messagecenter.conversations import notes
from messagecenter.conversations import services as conversations
from messagecenter.conversations.models import Conversation, Status, Topic
from messagecenter.core import clock as clock_module
from messagecenter.core.actors import Actor
from messagecenter.widgets import services as widgets
from messagecenter.widgets.models import Widget

ACCOUNT_NAME = "Demo GmbH"
DOMAIN = "demo.messagecenter.local"
ADMIN_EMAIL = f"admin@{DOMAIN}"
LOGIN_FILE = "demo-login.txt"


class DemoRefused(Exception):
    """The database is not empty; the demo is only seeded into a fresh installation."""


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    # The other demo operators, who share the password (handy for trying forwarding).
    teammates: tuple[str, ...] = ()


def database_is_empty() -> bool:
    return not Account.objects.exists() and not Operator.objects.exists()


def seed(*, password: str | None = None) -> DemoLogin:
    """Create the demo account in an empty database, in one transaction (all or nothing)."""
    password = password or secrets.token_urlsafe(9)
    with transaction.atomic():
        # Checked inside the transaction: on SQLite the IMMEDIATE transaction holds the write
        # lock, so two seeders started at once cannot both see an empty database.
        if not database_is_empty():
            raise DemoRefused(
                "The database already holds data; the demo is only added to an empty one."
            )
        with _demo_clock() as clock:
            team = _create_team(password, clock)
            people = _create_contacts(team.account)
            for script in SCRIPTS:
                _play(script, team, people, clock)
    return DemoLogin(ADMIN_EMAIL, password, tuple(op.email for op in team.operators[1:]))


# --- the login file ------------------------------------------------------------------------


def save_login(data_dir: Path, login: DemoLogin) -> Path:
    """Keep the demo login readable by the owner only, so later starts can print it again."""
    path = Path(data_dir) / LOGIN_FILE
    text = f"email={login.email}\npassword={login.password}\n"
    text += "".join(f"teammate={email}\n" for email in login.teammates)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)  # also when the file existed with looser permissions
    return path


def load_login(data_dir: Path) -> DemoLogin | None:
    path = Path(data_dir) / LOGIN_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pairs = [line.split("=", 1) for line in lines if "=" in line]
    values = {key: value for key, value in pairs if key in ("email", "password")}
    if not values.get("email") or not values.get("password"):
        return None
    teammates = tuple(value for key, value in pairs if key == "teammate")
    return DemoLogin(values["email"], values["password"], teammates)


def current_login(data_dir: Path) -> DemoLogin | None:
    """The saved demo login while it still works: the operator exists, is active and the
    password still checks. Otherwise the file is stale (someone changed the password or
    deleted the demo) and is removed, so no dead secret lingers on disk."""
    login = load_login(data_dir)
    if login is None:
        return None
    operator = Operator.objects.filter(email__iexact=login.email, is_active=True).first()
    if operator is not None and operator.check_password(login.password):
        return login
    (Path(data_dir) / LOGIN_FILE).unlink(missing_ok=True)
    return None


# --- the clock -----------------------------------------------------------------------------


class _DemoClock:
    """A clock the seed moves by hand; starts at the real "now"."""

    def __init__(self, real_now: datetime) -> None:
        self.real_now = real_now
        self.current = real_now

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        # Never in the future: the inbox would show "in 5 minutes".
        self.current = min(moment, self.real_now)

    def advance(self, minutes: float) -> None:
        self.set(self.current + timedelta(minutes=minutes))


@contextmanager
def _demo_clock() -> Iterator[_DemoClock]:
    clock = _DemoClock(django_timezone.now())
    with (
        mock.patch.object(clock_module, "now", clock.now),
        mock.patch.object(django_timezone, "now", clock.now),
    ):
        yield clock


# --- the team --------------------------------------------------------------------------------


@dataclass
class _Team:
    account: Account
    operators: list[Operator]
    by_key: dict[str, Operator]
    widgets: dict[str, Widget]
    topics: dict[str, Topic]


# key, name, e-mail local part, role, UI language, groups
OPERATORS = [
    ("admin", "Alex Morgan", "admin", Role.ADMIN, "en", ("Support", "Sales")),
    ("jonas", "Jonas Becker", "jonas.becker", Role.OPERATOR, "de", ("Support",)),
    ("sarah", "Sarah Thompson", "sarah.thompson", Role.OPERATOR, "en", ("Support",)),
    ("priya", "Priya Nair", "priya.nair", Role.OPERATOR, "en", ("Sales",)),
]
TOPICS = ("Billing", "Shipping", "Technical", "Returns")


def _create_team(password: str, clock: _DemoClock) -> _Team:
    clock.set(clock.real_now - timedelta(days=14))
    account = accounts.create_account(ACCOUNT_NAME)
    groups = {name: accounts.create_group(account, name) for name in ("Support", "Sales")}
    operators, by_key = [], {}
    for key, name, local, role, language, group_names in OPERATORS:
        operator = accounts.create_operator(
            account,
            name=name,
            email=f"{local}@{DOMAIN}",
            password=password,
            role=role,
            language=language,
            groups=[groups[g] for g in group_names],
        )
        operators.append(operator)
        by_key[key] = operator
    admin = Actor.for_operator(by_key["admin"])
    team_widgets = {
        "support": _widget(account, "Website Support", groups["Support"], "de", admin),
        "sales": _widget(account, "Shop Sales Chat", groups["Sales"], "en", admin),
    }
    topics = {name: conversations.create_topic(account, name, actor=admin) for name in TOPICS}
    return _Team(account, operators, by_key, team_widgets, topics)


def _widget(
    account: Account, name: str, group: OperatorGroup, language: str, admin: Actor
) -> Widget:
    return widgets.create_widget(
        account, name, operator_group=group, language=language, actor=admin
    )


# --- contacts ------------------------------------------------------------------------------

# name, e-mail, phone, company, country, language
# fmt: off
CONTACTS = [
    ("Katrin Weber", "katrin.weber@weber-moebel.de", "+49 30 2345 6781", "Weber Möbel GmbH", "DE", "de"),
    ("Thomas Müller", "t.mueller@mueller-elektro.de", "0171 3456789", "Müller Elektrotechnik", "DE", "de"),
    ("Sabine Schmidt", "sabine.schmidt@gmx.de", "0152 28374659", "", "DE", "de"),
    ("Markus Fischer", "m.fischer@fischer-logistik.de", "+49 40 8765 4321", "Fischer Logistik GmbH", "DE", "de"),
    ("Julia Wagner", "julia.wagner@web.de", "0160 9182736", "", "DE", "de"),
    ("Stefan Koch", "s.koch@koch-bau.de", "+49 89 1234 5670", "Koch Bau AG", "DE", "de"),
    ("Anja Richter", "anja.richter@t-online.de", "0176 55512340", "", "DE", "de"),
    ("Michael Klein", "michael.klein@klein-partner.de", "+49 221 998877", "Klein & Partner Steuerberatung", "DE", "de"),
    ("Claudia Wolf", "c.wolf@wolf-apotheke.de", "+49 711 4455667", "Wolf-Apotheke", "DE", "de"),
    ("Andreas Schröder", "andreas.schroeder@posteo.de", "0157 34567890", "", "DE", "de"),
    ("Petra Neumann", "p.neumann@neumann-reisen.de", "+49 351 776655", "Neumann Reisen GmbH", "DE", "de"),
    ("Jürgen Zimmermann", "j.zimmermann@autohaus-zimmermann.de", "+49 621 334455", "Autohaus Zimmermann", "DE", "de"),
    ("Nicole Braun", "nicole.braun@gmail.com", "0151 44332211", "", "DE", "de"),
    ("Tobias Krüger", "tobias@kruegerdesign.de", "+49 511 2233445", "Krüger Design", "DE", "de"),
    ("Monika Hartmann", "monika.hartmann@freenet.de", "0173 9988776", "", "DE", "de"),
    ("Felix Lange", "felix.lange@lange-it.de", "+49 231 5566778", "Lange IT-Service", "DE", "de"),
    ("Lukas Gruber", "lukas.gruber@gruber-holz.at", "+43 664 1234567", "Gruber Holz GmbH", "AT", "de"),
    ("Sophie Meier", "sophie.meier@bluewin.ch", "+41 79 123 45 67", "", "CH", "de"),
    ("Emily Carter", "emily.carter@brightwave.co.uk", "+44 7456 219384", "Brightwave Ltd", "GB", "en"),
    ("James Wilson", "james.wilson@gmail.com", "+44 7911 123456", "", "GB", "en"),
    ("Olivia Brown", "olivia@brownandco.com", "+1 415 867 2193", "Brown & Co", "US", "en"),
    ("Daniel Harris", "dan.harris@northwindtraders.com", "+1 212 736 4180", "Northwind Traders", "US", "en"),
    ("Charlotte Evans", "charlotte.evans@outlook.com", "+44 7824 319046", "", "GB", "en"),
    ("Michael O'Connor", "m.oconnor@greenfield-farms.ie", "+353 87 123 4567", "Greenfield Farms", "IE", "en"),
    ("Hannah Clarke", "hannah@clarkedesign.co.uk", "+44 20 7946 0321", "Clarke Design Studio", "GB", "en"),
    ("Ryan Mitchell", "ryan.mitchell@yahoo.com", "+1 646 452 7731", "", "US", "en"),
    ("Grace Taylor", "grace@taylorsbakery.com.au", "+61 412 345 678", "Taylor's Bakery", "AU", "en"),
    ("William Scott", "will.scott@scottandsons.co.uk", "+44 161 496 0753", "Scott & Sons Joinery", "GB", "en"),
    ("Isabella Martinez", "isabella.martinez@solaris-energy.com", "+1 305 379 8612", "Solaris Energy", "US", "en"),
    ("Noah Bennett", "noah.bennett@icloud.com", "+1 503 823 5547", "", "US", "en"),
]
# fmt: on


def _create_contacts(account: Account) -> list[Contact]:
    people = []
    for number, (name, email, phone, company, country, language) in enumerate(CONTACTS, 1):
        people.append(
            contacts.create_contact(
                account,
                name=name,
                email=email,
                phone=phone,
                company=company,
                country=country,
                locale=language,
                customer_id=f"K-{10400 + number * 17}" if company else "",
            )
        )
    return people


# --- conversations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """One demo conversation. ``lines`` are (speaker, text): "c" the contact, "o" the
    operator, "n" an internal note by the operator. The status is reached by the exchange
    itself (an operator reply makes it WAITING, a contact reply OPEN) plus, for ENDED, the
    operator ending it; ``_play`` checks the result."""

    contact: int
    widget: str
    status: str
    hours_ago: float
    lines: list[tuple[str, str]]
    operator: str | None = None
    topic: str | None = None
    subject: str = ""
    by_operator: bool = False


def _play(script: Script, team: _Team, people: list[Contact], clock: _DemoClock) -> None:
    pace = random.Random(script.contact * 1009 + int(script.hours_ago * 10))  # stable demo
    contact = people[script.contact]
    operator = team.by_key[script.operator] if script.operator else None
    clock.set(clock.real_now - timedelta(hours=script.hours_ago))
    conversation = _open(script, team, contact, operator)
    if operator is not None and not script.by_operator:
        clock.advance(pace.uniform(1, 6))
        conversation = conversations.assign_operator(
            conversation, operator, actor=Actor.for_operator(operator)
        )
    if operator is not None and script.topic:
        conversations.set_topic(
            conversation, team.topics[script.topic], actor=Actor.for_operator(operator)
        )
    for speaker, text in script.lines[1:]:
        clock.advance(pace.uniform(1.5, 9))
        _say(conversation, speaker, text, contact, operator)
    if script.status == Status.ENDED:
        assert operator is not None, "only the team ends a conversation"
        clock.advance(pace.uniform(2, 15))
        conversations.end_conversation(conversation, actor=Actor.for_operator(operator))
    conversation.refresh_from_db()
    if conversation.status != script.status:
        raise RuntimeError(
            f"demo script for {contact.name} ended {conversation.status}, not {script.status}"
        )


def _open(script: Script, team: _Team, contact: Contact, operator: Operator | None) -> Conversation:
    widget = team.widgets[script.widget]
    speaker, first = script.lines[0]
    if script.by_operator:
        assert speaker == "o" and operator is not None
        return conversations.start_conversation_by_operator(
            contact, widget, first, actor=Actor.for_operator(operator), subject=script.subject
        )
    assert speaker == "c"
    return conversations.start_conversation(
        widget, contact, first, actor=Actor.for_contact(contact), subject=script.subject
    )


def _say(
    conversation: Conversation,
    speaker: str,
    text: str,
    contact: Contact,
    operator: Operator | None,
) -> None:
    if speaker == "c":
        conversations.post_contact_message(conversation, text, actor=Actor.for_contact(contact))
        return
    assert operator is not None, "an operator line needs an assigned operator"
    actor = Actor.for_operator(operator)
    if speaker == "o":
        conversations.post_operator_message(conversation, text, actor=actor)
    elif speaker == "n":
        notes.add_note(conversation, text, actor=actor)
    else:
        raise ValueError(f"unknown speaker {speaker!r}")


NEW, OPEN, WAITING, ENDED = Status.NEW, Status.OPEN, Status.WAITING, Status.ENDED

# Contact numbers index CONTACTS (0-based). Times are hours before the seed ran.
# fmt: off
SCRIPTS: list[Script] = [
    # --- NEW, nobody assigned yet: the Unassigned queue ---------------------------------------
    Script(0, "support", NEW, 0.3, [
        ("c", "Hallo, unsere Bestellung 48213 sollte gestern ankommen, der Tracking-Link zeigt aber seit drei Tagen „in Zustellung“. Können Sie nachsehen?"),
        ("c", "Es geht um die zwei Bürostühle, wir brauchen sie bis Freitag."),
    ], subject="Lieferung 48213 verspätet"),
    Script(2, "support", NEW, 0.9, [
        ("c", "Guten Morgen! Ich komme nicht mehr in mein Kundenkonto, der Link zum Zurücksetzen des Passworts kommt nicht an."),
    ]),
    Script(24, "support", NEW, 1.6, [
        ("c", "Hi there, I was charged twice for order 50917. Could someone check and refund the duplicate, please?"),
    ], subject="Double charge"),
    Script(9, "support", NEW, 2.4, [
        ("c", "Ist der Akku vom Modell X200 auch einzeln erhältlich? Meiner hält nur noch eine halbe Stunde."),
    ]),
    Script(25, "sales", NEW, 3.2, [
        ("c", "Hello! Do you offer volume discounts for 50+ units? We're opening two new stores this spring."),
        ("c", "Delivery would be to Brooklyn, New York."),
    ], subject="Volume pricing"),
    Script(16, "sales", NEW, 4.5, [
        ("c", "Grüß Gott, liefern Sie auch nach Österreich, und was kostet der Versand für eine Palette?"),
    ]),
    Script(29, "support", NEW, 5.0, [
        ("c", "The app keeps logging me out every few minutes since the last update. iPhone 15, iOS 18."),
    ]),
    # --- NEW, assigned but not answered yet ----------------------------------------------------
    Script(12, "support", NEW, 1.2, [
        ("c", "Hallo, kann ich meine Lieferadresse noch ändern? Bestellung 48377, ich ziehe nächste Woche um."),
    ], operator="jonas", topic="Shipping"),
    # --- OPEN: the contact wrote last, the team owes a reply -----------------------------------
    Script(1, "support", OPEN, 2.0, [
        ("c", "Hallo, auf der Rechnung RE-2024-1187 steht noch unsere alte Adresse. Wir sind im März in die Industriestraße 12, 70565 Stuttgart umgezogen. Können Sie die Rechnung korrigieren?"),
        ("o", "Hallo Herr Müller, gerne! Ich habe die Adresse in Ihrem Kundenkonto schon aktualisiert. Soll die korrigierte Rechnung an Sie oder an Ihre Buchhaltung gehen?"),
        ("c", "Bitte an buchhaltung@mueller-elektro.de. Gilt die neue Adresse dann auch für künftige Lieferungen?"),
    ], operator="jonas", topic="Billing", subject="Rechnung RE-2024-1187"),
    Script(18, "support", OPEN, 1.1, [
        ("c", "Hi, the parcel for order 50233 arrived but one of the three lamps is broken."),
        ("o", "I'm sorry to hear that, Emily! Could you send a photo of the damaged lamp and the box? Then I'll arrange a replacement right away."),
        ("c", "Sure, photos attached in the e-mail I just sent you. The box was crushed on one corner."),
        ("n", "Carrier damage again (third time this month with this route). @priya can we switch Brightwave to the other carrier?"),
    ], operator="sarah", topic="Returns", subject="Broken lamp in order 50233"),
    Script(3, "support", OPEN, 6.0, [
        ("c", "Wir bekommen beim API-Import seit heute Nacht den Fehler 429 Too Many Requests. Hat sich am Limit etwas geändert?"),
        ("o", "Guten Morgen Herr Fischer, ja: Seit gestern gilt ein Limit von 600 Anfragen pro Minute je Schlüssel. Wie viele Anfragen schickt Ihr Import ungefähr?"),
        ("c", "Etwa 2.000 pro Minute in der Spitze, nachts beim Abgleich. Können Sie das Limit für uns anheben?"),
    ], operator="jonas", topic="Technical", subject="API 429"),
    Script(21, "sales", OPEN, 3.5, [
        ("c", "We're evaluating your Pro plan for our 12-person team. Is SSO with Azure AD included?"),
        ("o", "Hi Daniel, yes: SSO via SAML and OpenID Connect is part of Pro. Would a short demo call this week help?"),
        ("c", "That would be great. Thursday afternoon (Eastern) works for us. Can you also send the security whitepaper?"),
    ], operator="priya", subject="Pro plan for Northwind"),
    Script(6, "support", OPEN, 0.7, [
        ("c", "Hallo, ich habe aus Versehen zweimal bestellt (48390 und 48391). Bitte eine davon stornieren."),
        ("o", "Hallo Frau Richter, kein Problem. Welche der beiden Bestellungen soll ich stornieren?"),
        ("c", "Die 48391 bitte, danke!"),
    ], operator="admin", topic="Billing"),
    Script(23, "support", OPEN, 26.0, [
        ("c", "Our invoices should go to accounts@greenfield-farms.ie from now on. Can you update that?"),
        ("o", "Done, Michael: from the next invoice on, they'll go to accounts@greenfield-farms.ie. Anything else?"),
        ("c", "Thanks! Could you also resend last month's invoice to the new address?"),
    ], operator="sarah", topic="Billing"),
    Script(13, "sales", OPEN, 0.5, [
        ("c", "Hallo, wir sind eine Designagentur in Hannover. Gibt es Agenturkonditionen, wenn wir Ihr Produkt für unsere Kunden einrichten?"),
        ("o", "Hallo Herr Krüger, ja, wir haben ein Partnerprogramm mit 20 % Rabatt auf alle Kundenlizenzen. Soll ich Ihnen die Unterlagen schicken?"),
        ("c", "Gerne, und wie läuft die Abrechnung: über uns oder direkt mit dem Kunden?"),
    ], operator="priya", subject="Partnerprogramm"),
    # --- WAITING: the operator answered, the contact has not replied ---------------------------
    Script(4, "support", WAITING, 20.0, [
        ("c", "Hallo, wie lange dauert eine Rückerstattung nach einer Retoure? Ich habe das Paket letzte Woche zurückgeschickt."),
        ("o", "Hallo Frau Wagner, die Retoure ist gestern bei uns eingegangen. Die Erstattung ist veranlasst und sollte in 3–5 Werktagen auf Ihrem Konto sein."),
    ], operator="jonas", topic="Returns"),
    Script(19, "support", WAITING, 30.0, [
        ("c", "Hi, can I change the delivery date for order 50871? I'm away until the 14th."),
        ("o", "Hi James, I've asked the warehouse to hold it. It will ship on the 13th and arrive on the 14th or 15th. Does that work for you?"),
    ], operator="sarah", topic="Shipping"),
    Script(5, "support", WAITING, 44.0, [
        ("c", "Die Schnittstelle zur Buchhaltung liefert seit dem Update keine Belegnummern mehr."),
        ("o", "Danke für den Hinweis, Herr Koch. Das ist ein bekannter Fehler in Version 4.2.0. Das Update 4.2.1 behebt ihn – können Sie es einspielen und mir Bescheid geben, ob es klappt?"),
        ("n", "Bug MC-1432, Fix ist seit heute früh im Release 4.2.1."),
    ], operator="jonas", topic="Technical", subject="Buchhaltungs-Schnittstelle"),
    Script(20, "sales", WAITING, 50.0, [
        ("c", "Could you send me a quote for 25 licences, billed annually?"),
        ("o", "Hi Olivia, the quote is on its way to olivia@brownandco.com: 25 licences at €19 per user and month, billed annually, minus 10 % for the annual plan."),
        ("o", "Let me know if you'd like us to add onboarding for your team."),
    ], operator="priya", topic="Billing", subject="Quote: 25 licences"),
    Script(10, "support", WAITING, 70.0, [
        ("c", "Guten Tag, wir möchten unseren Vertrag von monatlich auf jährlich umstellen. Geht das mitten im Monat?"),
        ("o", "Guten Tag Frau Neumann, ja, das geht jederzeit. Der laufende Monat wird anteilig verrechnet. Soll ich die Umstellung zum 1. des nächsten Monats vornehmen?"),
    ], operator="admin", topic="Billing"),
    Script(27, "sales", WAITING, 8.0, [
        ("o", "Hi William, thanks for visiting our stand at the trade fair! As promised, here is the link to the 30-day trial. Shall I set up a short onboarding call for your team?"),
    ], operator="priya", subject="Trade fair follow-up", by_operator=True),
    Script(17, "support", WAITING, 96.0, [
        ("c", "Grüezi, ich finde in meinem Konto die Rechnungen vom letzten Jahr nicht mehr."),
        ("o", "Grüezi Frau Meier, Rechnungen älter als zwölf Monate finden Sie unter Konto → Dokumente → Archiv. Ich habe Ihnen die Rechnungen von 2024 zusätzlich per E-Mail geschickt."),
    ], operator="jonas", topic="Billing"),
    # --- ENDED ---------------------------------------------------------------------------------
    Script(18, "support", ENDED, 75.0, [
        ("c", "Hello, do you ship to the Channel Islands?"),
        ("o", "Hi Emily, yes we do: delivery to Jersey and Guernsey takes 3–4 working days, and there are no extra customs fees for orders under £135."),
        ("c", "Perfect, thank you!"),
        ("o", "You're welcome, have a lovely day!"),
    ], operator="sarah", topic="Shipping"),
    Script(7, "support", ENDED, 100.0, [
        ("c", "Hallo, wir brauchen für die Jahresabschlussprüfung eine Bestätigung aller Zahlungen 2024."),
        ("o", "Hallo Herr Klein, die Saldenbestätigung für 2024 habe ich Ihnen soeben als PDF geschickt."),
        ("c", "Ist angekommen, vielen Dank für die schnelle Hilfe!"),
    ], operator="admin", topic="Billing", subject="Saldenbestätigung 2024"),
    Script(8, "support", ENDED, 120.0, [
        ("c", "Unser Kartenterminal verbindet sich nicht mehr mit dem WLAN."),
        ("o", "Hallo Frau Wolf, bitte halten Sie die Taste mit dem Zahnrad fünf Sekunden gedrückt und wählen Sie „Netzwerk neu suchen“. Klappt es dann?"),
        ("c", "Ja, jetzt ist es wieder verbunden. Danke!"),
        ("o", "Sehr gern. Einen schönen Tag noch!"),
    ], operator="jonas", topic="Technical"),
    Script(22, "support", ENDED, 52.0, [
        ("c", "Hi, how do I return an item bought in the sale?"),
        ("o", "Hi Charlotte, sale items can be returned within 30 days like everything else. You can print the prepaid label under Orders → Return an item."),
        ("c", "Found it, thanks so much."),
    ], operator="sarah", topic="Returns"),
    Script(11, "sales", ENDED, 140.0, [
        ("c", "Guten Tag, bieten Sie auch Schulungen für neue Mitarbeiter an?"),
        ("o", "Guten Tag Herr Zimmermann, ja: Wir bieten zweistündige Online-Schulungen an, für bis zu zehn Teilnehmer kostenlos im Business-Tarif."),
        ("c", "Super, dann buche ich das für den Monatsanfang."),
        ("o", "Prima, die Terminauswahl habe ich Ihnen per E-Mail geschickt."),
    ], operator="priya"),
    Script(26, "sales", ENDED, 160.0, [
        ("c", "Do you ship to Australia, and how long does it take?"),
        ("o", "Hi Grace, yes: express shipping to Australia takes 5–7 business days and costs €39. Duties are paid on delivery."),
        ("c", "Thanks, I'll place the order tonight."),
    ], operator="priya", topic="Shipping"),
    Script(14, "support", ENDED, 30.0, [
        ("c", "Hallo, ich möchte mein Abo kündigen."),
        ("o", "Hallo Frau Hartmann, schade! Darf ich fragen, woran es liegt? Alternativ kann ich Ihnen drei Monate zum halben Preis anbieten."),
        ("c", "Das Angebot nehme ich gern an."),
        ("o", "Wunderbar, ist eingetragen. Die nächsten drei Rechnungen sind zum halben Preis."),
        ("n", "Rückgewinnungsangebot angenommen, bitte in drei Monaten nachfassen. @jonas zur Info."),
    ], operator="admin", topic="Billing", subject="Kündigung"),
    Script(28, "support", ENDED, 10.0, [
        ("c", "Hi, the export to CSV cuts off after 10,000 rows. Is that a limit?"),
        ("o", "Hi Isabella, yes, the quick export stops at 10,000 rows. For the full data, use Reports → Export in the background; you'll get an e-mail with the file."),
        ("c", "That worked, I have all 48,000 rows now. Thanks!"),
    ], operator="sarah", topic="Technical"),
    Script(15, "support", ENDED, 170.0, [
        ("c", "Wie kann ich einen zweiten Administrator für unser Konto anlegen?"),
        ("o", "Hallo Herr Lange, unter Einstellungen → Team → Einladen, und dort die Rolle „Administrator“ wählen. Die Einladung ist sieben Tage gültig."),
        ("c", "Hat geklappt, danke."),
    ], operator="jonas"),
]
# fmt: on
