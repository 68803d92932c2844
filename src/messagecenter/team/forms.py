"""Forms of the team pages. They parse and render; the services decide.

Ranges and rules live in the services (and ``preferences.clean``), so fields here only check
types; a service's ``ValidationFailed`` is attached to the field it names with ``apply_error``.
HTML ``min``/``max`` attributes are hints for the browser, not the rule.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts import preferences as prefs
from messagecenter.accounts.models import Role
from messagecenter.core.errors import DomainError
from messagecenter.widgets.models import (
    FORM_FIELDS,
    MEDIA_TYPES,
    TEXT_KEYS,
    FieldUse,
    LauncherStyle,
    Position,
)

MEDIA_LABELS = {
    "image": _("Images"),
    "audio": _("Audio and voice messages"),
    "video": _("Videos"),
    "document": _("Documents (PDF, Office)"),
    "other": _("Other files"),
}


def apply_error(form: forms.Form, error: DomainError, aliases: dict[str, str] | None = None):
    """Show a service's refusal inline: on the field it names, else above the form."""
    field = str(error.details.get("field") or "")
    field = (aliases or {}).get(field, field.replace(".", "_"))
    form.add_error(field if field in form.fields else None, str(error.message))


def number(minimum: int, maximum: int, **kwargs) -> forms.IntegerField:
    attrs = {"min": minimum, "max": maximum, "inputmode": "numeric"}
    return forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **kwargs)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


# --- personal settings -----------------------------------------------------------------------


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    max_slots = number(
        0,
        50,
        label=_("Chat slots"),
        help_text=_("How many live chats you take at the same time."),
    )

    def __init__(self, *args, can_set_slots: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_set_slots:
            del self.fields["max_slots"]


def matrix_field_name(channel: str, scope: str, event: str) -> str:
    return f"{channel}_{scope}_{event}"


SCOPE_LABELS = {"mine": _("my conversations"), "team": _("my groups")}
CHANNEL_LABELS = {"audio": _("sound"), "browser": _("browser notification")}
SWITCH = {"role": "switch"}


class AlertsForm(forms.Form):
    """Mute, sounds, the inactivity alarm and the per-event notification matrix."""

    mute_all = forms.BooleanField(
        label=_("Mute all"),
        required=False,
        widget=forms.CheckboxInput(attrs=SWITCH),
        help_text=_("Silences every sound and browser notification, the alarm included."),
    )
    audio_feedback = forms.BooleanField(
        label=_("Sound feedback"),
        required=False,
        widget=forms.CheckboxInput(attrs=SWITCH),
        help_text=_("A soft click when you send a message or change a conversation."),
    )
    volume = number(0, 100, label=_("Notification volume"))
    inactivity_enabled = forms.BooleanField(
        label=_("Inactivity alarm"),
        required=False,
        widget=forms.CheckboxInput(attrs=SWITCH),
        help_text=_(
            "Plays an alarm when a contact in one of your conversations has waited too long "
            "for your reply."
        ),
    )
    inactivity_countdown = number(
        10, 3600, label=_("Alarm after (seconds)"), help_text=_("From 10 seconds to 60 minutes.")
    )
    inactivity_repeat = number(
        0, 3600, label=_("Repeat every (seconds)"), help_text=_("0 plays the alarm only once.")
    )
    inactivity_sound = forms.ChoiceField(
        label=_("Alarm sound"), choices=[(s, prefs.SOUND_LABELS[s]) for s in prefs.SOUNDS]
    )
    inactivity_volume = number(0, 100, label=_("Alarm volume"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for channel in prefs.CHANNELS:
            for scope in prefs.SCOPES:
                for event in prefs.EVENTS:
                    name = matrix_field_name(channel, scope, event)
                    self.fields[name] = forms.BooleanField(
                        label=prefs.EVENT_LABELS[event], required=False
                    )
        for name in ("volume", "inactivity_volume"):
            self.fields[name].widget = forms.NumberInput(
                attrs={"type": "range", "min": 0, "max": 100, "step": 5}
            )

    @classmethod
    def initial_for(cls, mute_all: bool, stored: dict) -> dict:
        current = prefs.effective(stored)
        initial = {
            "mute_all": mute_all,
            "audio_feedback": current["audio_feedback"],
            "volume": current["volume"],
        }
        for key, value in current["inactivity"].items():
            initial[f"inactivity_{key}"] = value
        for channel in prefs.CHANNELS:
            for scope in prefs.SCOPES:
                for event in prefs.EVENTS:
                    name = matrix_field_name(channel, scope, event)
                    initial[name] = current[channel][scope][event]
        return initial

    def to_preferences(self) -> dict:
        data = self.cleaned_data
        return {
            "audio_feedback": data["audio_feedback"],
            "volume": data["volume"],
            "inactivity": {
                key: data[f"inactivity_{key}"]
                for key in ("enabled", "countdown", "repeat", "sound", "volume")
            },
            **{
                channel: {
                    scope: {
                        event: data[matrix_field_name(channel, scope, event)]
                        for event in prefs.EVENTS
                    }
                    for scope in prefs.SCOPES
                }
                for channel in prefs.CHANNELS
            },
        }

    def matrix(self) -> list[dict]:
        """Rows of the notification table: one per event, a checkbox per channel and scope."""
        return [
            {
                "label": prefs.EVENT_LABELS[event],
                "cells": [
                    {
                        "field": self[matrix_field_name(channel, scope, event)],
                        "label": f"{prefs.EVENT_LABELS[event]}: {CHANNEL_LABELS[channel]}, "
                        f"{SCOPE_LABELS[scope]}",
                    }
                    for channel in prefs.CHANNELS
                    for scope in prefs.SCOPES
                ],
            }
            for event in prefs.EVENTS
        ]


# --- account settings ------------------------------------------------------------------------


class GroupChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(queryset=None, to_field_name="public_id", required=False, **kwargs)


class OperatorFormBase(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    groups = GroupChoiceField(label=_("Operator groups"))
    max_slots = number(0, 50, label=_("Chat slots"), help_text=_("Live chats at the same time."))

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelMultipleChoiceField, self.fields["groups"]
        ).queryset = account.groups.order_by("name")


class InviteOperatorForm(OperatorFormBase):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("We send an invitation to this address to choose a password."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    field_order = ["name", "email", "language", "role", "groups", "max_slots"]


class EditOperatorForm(OperatorFormBase):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        widget=forms.CheckboxInput(attrs=SWITCH),
        help_text=_("Deactivated operators cannot sign in and get no conversations."),
    )


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


# The messenger's own texts (transports/webchat/static/webchat/messenger.js, STRINGS), shown as
# placeholders: an empty field keeps them.
DEFAULT_TEXTS = {
    "en": {
        "team": "We're here to help",
        "greeting": "Hi there! How can we help you today?",
        "launcher": "Chat with us",
        "placeholder": "Write a message…",
        "away": "No operator is available right now. We will reply as soon as possible.",
        "prechat": "Before we start, please tell us a little about yourself.",
        "offline": "Nobody is available right now. Leave your e-mail address and we will "
        "reply by e-mail.",
    },
    "de": {
        "team": "Wir helfen Ihnen gern",
        "greeting": "Hallo! Wie können wir Ihnen heute helfen?",
        "launcher": "Chatten Sie mit uns",
        "placeholder": "Nachricht schreiben…",
        "away": "Gerade ist niemand aus unserem Team verfügbar. Wir antworten Ihnen so schnell "
        "wie möglich.",
        "prechat": "Bevor es losgeht: Erzählen Sie uns kurz, wer Sie sind.",
        "offline": "Gerade ist niemand erreichbar. Hinterlassen Sie Ihre E-Mail-Adresse, dann "
        "antworten wir per E-Mail.",
    },
}


class WidgetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    operator_group: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Operator group"),
        queryset=None,
        to_field_name="public_id",
        required=False,
        empty_label=_("Everyone"),
        help_text=_("Conversations from this widget are routed to this group."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    conversation_timeout_minutes = number(
        1,
        10080,
        label=_("Conversation timeout (minutes)"),
        help_text=_("Silence after which a live chat ends and a new session starts."),
    )
    auto_end_days = number(
        1,
        365,
        label=_("End waiting conversations after (days)"),
        help_text=_("When the contact has not replied for this long."),
    )
    continue_ended_days = number(
        0,
        365,
        label=_("Continue ended conversations for (days)"),
        help_text=_(
            "A contact who writes again within this many days after the end continues the "
            "ended conversation; later (or with 0) a new one starts."
        ),
    )
    backlog_drain = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH),
        label=_("Assign waiting chats automatically when a slot frees"),
        required=False,
    )
    media_enabled = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH), label=_("Allow file uploads"), required=False
    )
    media_types = forms.MultipleChoiceField(
        label=_("Supported media"),
        choices=[(kind, MEDIA_LABELS[kind]) for kind in MEDIA_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    calls_enabled = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH), label=_("Voice calls"), required=False
    )
    video_enabled = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH), label=_("Video calls"), required=False
    )
    rating_enabled = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH), label=_("Ask for a rating"), required=False
    )
    privacy_mode = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH),
        label=_("Privacy mode"),
        required=False,
        help_text=_("Records no page views, location, IP address or browser details."),
    )
    allowed_origins = forms.CharField(
        label=_("Allowed websites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One origin per line, like https://shop.example.com. Empty: only this server's "
            "own pages."
        ),
    )

    unread_email_delay_minutes = number(
        0,
        10080,
        label=_("E-mail unread replies after (minutes)"),
        help_text=_("A contact who has not read an operator's reply gets it by e-mail; 0: never."),
    )
    # Appearance.
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", "size": 8}),
        help_text=_("Header, launcher and buttons, like #3a56d4."),
    )
    position = forms.ChoiceField(
        label=_("Position"), choices=Position.choices, widget=forms.RadioSelect
    )
    launcher_style = forms.ChoiceField(
        label=_("Launcher"), choices=LauncherStyle.choices, widget=forms.RadioSelect
    )
    show_avatars = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH),
        label=_("Show operator avatars"),
        required=False,
        help_text=_("Off: the messenger shows the chat icon instead of the operator's initials."),
    )
    # Pre-chat and offline form.
    prechat_name = forms.ChoiceField(label=_("Ask for the name"), choices=FieldUse.choices)
    prechat_email = forms.ChoiceField(
        label=_("Ask for the e-mail address"), choices=FieldUse.choices
    )
    prechat_phone = forms.ChoiceField(label=_("Ask for the phone number"), choices=FieldUse.choices)
    prechat_groups = forms.MultipleChoiceField(
        label=_("Let the contact choose a group"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Offer two or more: the chat is routed to the group the contact picks."),
    )
    offline_form = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH),
        label=_("Offline form"),
        required=False,
        help_text=_(
            "When nobody can chat live (outside business hours, nobody available), ask for an "
            "e-mail address before the first message, so the reply can reach the contact."
        ),
    )
    # Routing.
    sticky_operator = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH),
        label=_("Returning contacts go to their last operator"),
        required=False,
        help_text=_("When that operator is available and has a free slot."),
    )
    max_queue = number(
        0,
        1000,
        label=_("Maximum queue"),
        help_text=_(
            "Chats waiting for a live operator. When full, new chats go asynchronous and the "
            "contact reads the asynchronous-mode text. 0: no limit."
        ),
    )

    # Service field names that differ from the form's.
    ERROR_FIELDS = {"media": "media_types", "prechat_fields": "prechat_name"}
    LANGUAGES = [code for code, _name in settings.LANGUAGES]
    TEXT_KEYS = TEXT_KEYS
    TEXT_LABELS = {
        "title": _("Title"),
        "team": _("Subtitle"),
        "greeting": _("Greeting"),
        "launcher": _("Launcher text"),
        "placeholder": _("Message field"),
        "away": _("Asynchronous-mode text"),
        "prechat": _("Pre-chat form introduction"),
        "offline": _("Offline form introduction"),
    }
    TEXT_HELP = {
        "title": _("Empty: the widget's name."),
        "launcher": _("On the launcher “Button with text”."),
        "away": _(
            "Shown when nobody can chat live: no operator available, no free slot, a full "
            "queue, or outside business hours."
        ),
    }
    # Switches of features an installation may switch off (settings.FEATURES): left out while
    # a feature is off, so the editor promises nothing that does nothing and saving keeps
    # stored values.
    FEATURE_FIELDS = {
        "files": ("media_enabled", "media_types"),
        "calls": ("calls_enabled", "video_enabled"),
    }
    VOICE_TYPE = "audio"  # "Audio and voice messages" (R-FILE-2)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        groups = account.groups.order_by("name")
        cast(forms.ModelChoiceField, self.fields["operator_group"]).queryset = groups
        cast(forms.MultipleChoiceField, self.fields["prechat_groups"]).choices = [
            (g.public_id, g.name) for g in groups
        ]
        for language in self.LANGUAGES:
            for key in TEXT_KEYS:
                self.fields[f"text_{key}_{language}"] = self._text_field(key, language)
        self.offers = dict(settings.FEATURES)
        for feature, names in self.FEATURE_FIELDS.items():
            if not self.offers[feature]:
                for name in names:
                    del self.fields[name]
        if "media_types" in self.fields and not self.offers["voice"]:
            types = cast(forms.MultipleChoiceField, self.fields["media_types"])
            types.choices = [c for c in types.choices if c[0] != self.VOICE_TYPE]

    def _text_field(self, key: str, language: str) -> forms.CharField:
        long = key in ("greeting", "away", "prechat", "offline")
        attrs = {"placeholder": DEFAULT_TEXTS[language].get(key, ""), "lang": language}
        return forms.CharField(
            label=self.TEXT_LABELS[key],
            required=False,
            strip=True,
            widget=forms.Textarea(attrs={**attrs, "rows": 2}) if long else forms.TextInput(attrs),
            help_text=self.TEXT_HELP.get(key, ""),
        )

    def text_rows(self, language: str) -> list:
        """The text fields of one language, for the template."""
        return [self[f"text_{key}_{language}"] for key in TEXT_KEYS]

    def texts_by_language(self) -> list[tuple[str, str, list]]:
        names = dict(settings.LANGUAGES)
        return [(code, names[code], self.text_rows(code)) for code in self.LANGUAGES]

    @classmethod
    def initial_for(cls, widget) -> dict:
        texts = {
            f"text_{key}_{language}": value
            for language, values in (widget.texts or {}).items()
            for key, value in values.items()
        }
        fields = widget.prechat_fields or {}
        return texts | {
            "unread_email_delay_minutes": widget.unread_email_delay_minutes,
            "accent_color": widget.accent_color,
            "position": widget.position,
            "launcher_style": widget.launcher_style,
            "show_avatars": widget.show_avatars,
            **{f"prechat_{name}": fields.get(name, FieldUse.OFF) for name in FORM_FIELDS},
            "prechat_groups": list(widget.prechat_groups or []),
            "offline_form": widget.offline_form,
            "sticky_operator": widget.sticky_operator,
            "max_queue": widget.max_queue,
            "name": widget.name,
            "operator_group": widget.operator_group,
            "language": widget.language,
            "conversation_timeout_minutes": widget.conversation_timeout_minutes,
            "auto_end_days": widget.auto_end_days,
            "continue_ended_days": widget.continue_ended_days,
            "backlog_drain": widget.backlog_drain,
            "media_enabled": widget.media.get("enabled", True),
            "media_types": widget.media.get("types", []),
            "calls_enabled": widget.calls_enabled,
            "video_enabled": widget.video_enabled,
            "rating_enabled": widget.rating_enabled,
            "privacy_mode": widget.privacy_mode,
            "allowed_origins": "\n".join(widget.allowed_origins),
        }

    def to_changes(self) -> dict:
        """Everything the services' ``EDITABLE`` names, as the services expect it."""
        data = dict(self.cleaned_data)
        if "media_types" in data:
            types = data.pop("media_types") + self._kept_voice_type()
            data["media"] = {"enabled": data.pop("media_enabled"), "types": types}
        origins = data.pop("allowed_origins")
        data["allowed_origins"] = [line.strip() for line in origins.splitlines() if line.strip()]
        data["accent_color"] = data["accent_color"].strip().lower()
        uses = {name: data.pop(f"prechat_{name}") for name in FORM_FIELDS}
        data["prechat_fields"] = {name: use for name, use in uses.items() if use != FieldUse.OFF}
        data["texts"] = self._texts(data)
        return data

    def _texts(self, data: dict) -> dict:
        texts: dict[str, dict[str, str]] = {}
        for language in self.LANGUAGES:
            for key in TEXT_KEYS:
                value = data.pop(f"text_{key}_{language}", "")
                if value:
                    texts.setdefault(language, {})[key] = value
        return texts

    def _kept_voice_type(self) -> list[str]:
        """While voice messages are off their media type is not offered: keep what is stored."""
        stored = self.initial.get("media_types", [])
        return [self.VOICE_TYPE] if not self.offers["voice"] and self.VOICE_TYPE in stored else []


# --- chat tools: macros ------------------------------------------------------------------------


class MacroForm(forms.Form):
    """A chat macro (a text per language) or a push macro (a web address)."""

    ERROR_FIELDS = {"texts": "text_en"}

    name = forms.CharField(label=_("Name"), max_length=100)
    group = forms.ChoiceField(label=_("Group"), required=False)
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("Used when the conversation's language has no text of its own."),
    )
    text_en = forms.CharField(
        label=_("Text in English"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Placeholders: {contact.name}, {contact.email}, {operator.first_name}, …"),
    )
    text_de = forms.CharField(
        label=_("Text in German"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    url = forms.CharField(
        label=_("Web address"),
        required=False,
        max_length=2000,
        help_text=_("The contact's messenger page opens this address."),
    )

    def __init__(self, *args, groups, push: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.push = push
        self.group_objects = {group.public_id: group for group in groups}
        no_group = [("", _("No group"))]
        self.fields["group"].choices = no_group + [(g.public_id, g.name) for g in groups]
        if push:
            for name in ("default_language", "text_en", "text_de"):
                del self.fields[name]
        else:
            del self.fields["url"]

    @staticmethod
    def initial_for(macro) -> dict:
        return {
            "name": macro.name,
            "group": macro.group.public_id if macro.group else "",
            "default_language": macro.default_language,
            "text_en": macro.texts.get("en", ""),
            "text_de": macro.texts.get("de", ""),
            "url": macro.url,
        }

    def to_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "group": self.group_objects.get(data.get("group") or ""),
        }
        if self.push:
            return fields | {"kind": "push", "url": data["url"], "texts": {}}
        texts = {code: data.get(f"text_{code}", "") for code, _name in settings.LANGUAGES}
        return fields | {
            "kind": "text",
            "texts": texts,
            "default_language": data["default_language"],
        }
