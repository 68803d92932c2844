"""The forms of the contacts pages. They collect and shape input; the domain services
validate it (e-mail syntax, phones to E.164, custom fields by type) and their refusals are
shown on the field they name."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messagecenter.contacts.models import CustomField, FieldType
from messagecenter.core.errors import DomainError
from messagecenter.widgets.models import TransportKind

ANY = [("", _("Any"))]


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def show_error(form: forms.Form, error: DomainError, *, prefix: str = "") -> None:
    """Put a service's refusal on the field it names, else above the form."""
    name = str(error.details.get("field", ""))
    for candidate in (name, prefix + name):
        if candidate and candidate in form.fields:
            form.add_error(candidate, str(error.message))
            return
    form.add_error(None, str(error.message))


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    since = forms.DateField(
        label=_("Messages from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Messages until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    verified = forms.ChoiceField(
        label=_("Verification"),
        required=False,
        choices=[*ANY, ("yes", _("Verified")), ("no", _("Not verified"))],
    )
    blocked = forms.ChoiceField(
        label=_("Blocked"),
        required=False,
        choices=[*ANY, ("no", _("Not blocked")), ("yes", _("Blocked"))],
    )
    has_email = forms.BooleanField(label=_("Has e-mail"), required=False)
    has_phone = forms.BooleanField(label=_("Has phone"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=ANY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "channel").choices = [*ANY, *TransportKind.choices]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name, e-mail, phone, company, customer ID")}
        )
        # The two dates share one visible caption ("Messages between"); each still needs a name.
        for name in ("since", "until"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label

    def filters(self) -> dict:
        """What the list is narrowed by; a field that does not parse is left out."""
        if self.is_valid():
            return self.cleaned_data
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}

    def refined(self) -> int:
        """How many filters (besides the search box) narrow the list."""
        values = self.filters()
        return sum(1 for name in self.fields if name != "q" and values.get(name))


class AddContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    email = forms.CharField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        help_text=_("Any notation; saved in international form (+49…)."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    customer_id = forms.CharField(label=_("Customer ID"), required=False, max_length=100)

    def clean(self):
        data = super().clean() or {}
        if not any(data.get(k, "").strip() for k in ("name", "email", "phone")):
            raise forms.ValidationError(
                _("Give at least a name, an e-mail address or a phone number.")
            )
        return data


def language_choices(current: str) -> list[tuple[str, object]]:
    choices: list[tuple[str, object]] = [("", _("Unknown")), *settings.LANGUAGES]
    if current and current not in dict(choices):
        choices.append((current, current))
    return choices


class ProfileForm(forms.Form):
    """Every field of a contact, custom fields rendered by their type."""

    CUSTOM = "cf_"

    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    email = forms.CharField(label=_("E-mail"), required=False, widget=forms.EmailInput())
    phone = forms.CharField(
        label=_("Phone"), required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    customer_id = forms.CharField(label=_("Customer ID"), required=False, max_length=100)
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "placeholder": _("Two letters, e.g. DE")}
        ),
    )
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=20)
    locale = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, contact, definitions: list[CustomField], **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.definitions = definitions
        choice_field(self, "locale").choices = language_choices(contact.locale)
        for definition in definitions:
            stored = contact.custom_fields.get(definition.key)
            self.fields[self.CUSTOM + definition.key] = custom_field(definition, stored)
        self.initial = {**self.current(), **self.initial}

    def current(self) -> dict:
        values = {name: getattr(self.contact, name) for name in self.base_names()}
        for definition in self.definitions:
            stored = self.contact.custom_fields.get(definition.key, "")
            values[self.CUSTOM + definition.key] = "" if stored is None else str(stored)
        return values

    def base_names(self) -> list[str]:
        return [name for name in self.fields if not name.startswith(self.CUSTOM)]

    def custom_bound(self) -> list:
        return [self[name] for name in self.fields if name.startswith(self.CUSTOM)]

    def base_bound(self) -> list:
        return [self[name] for name in self.base_names()]

    def changes(self) -> dict:
        """Only what the operator changed, so the audit names exactly those fields."""
        before = self.current()
        changed = {k: v for k, v in self.cleaned_data.items() if str(v) != str(before.get(k))}
        custom = {
            k.removeprefix(self.CUSTOM): v for k, v in changed.items() if k.startswith(self.CUSTOM)
        }
        result = {k: v for k, v in changed.items() if not k.startswith(self.CUSTOM)}
        if custom:
            result["custom_fields"] = custom
        return result


def custom_field(definition: CustomField, stored=None) -> forms.Field:
    """A form field for one account-defined field. Values are checked by the domain; the
    widget only offers the right keyboard and picker. A stored choice that is no longer an
    option stays selectable, so editing another field does not fail on it."""
    label = definition.label
    if definition.type == FieldType.SELECT:
        options = list(definition.options)
        if stored not in (None, "") and str(stored) not in options:
            options.append(str(stored))
        choices = [("", "—"), *((o, o) for o in options)]
        return forms.ChoiceField(label=label, required=False, choices=choices)
    widgets: dict[str, forms.Widget] = {
        FieldType.NUMBER: forms.TextInput(attrs={"inputmode": "decimal"}),
        FieldType.DATE: forms.DateInput(attrs={"type": "date"}),
    }
    widget = widgets.get(definition.type, forms.TextInput())
    return forms.CharField(label=label, required=False, widget=widget, strip=True)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write a note for the team…")}),
    )


class StartConversationForm(forms.Form):
    channel = forms.ChoiceField(choices=[("webchat", "webchat")], initial="webchat")
    widget = forms.ChoiceField(label=_("Website messenger"))
    subject = forms.CharField(label=_("Subject (optional)"), required=False, max_length=200)
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, widgets, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "widget").choices = [(w.public_id, w.name) for w in widgets]


class CustomFieldForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=100)
    key = forms.CharField(
        label=_("Key"),
        required=False,
        max_length=50,
        help_text=_("Used in imports and the API: lower-case letters, digits and _."),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[
            (FieldType.TEXT, _("Text")),
            (FieldType.NUMBER, _("Number")),
            (FieldType.DATE, _("Date")),
            (FieldType.SELECT, _("Choice")),
        ],
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or an Excel export (comma or semicolon separated), with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )


DUPLICATES = [
    ("skip", _("Skip them: keep the existing contact as it is")),
    ("update", _("Update them with the values from the file")),
]


class MappingForm(forms.Form):
    """One target per column of the file, and what to do with contacts that exist already."""

    on_duplicate = forms.ChoiceField(
        label=_("Contacts that exist already"),
        choices=DUPLICATES,
        initial="skip",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, columns: list[str], targets, suggested: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for index, column in enumerate(columns):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=column or _("(no name)"),
                choices=targets,
                initial=suggested.get(column, "ignore"),
            )

    def column_fields(self) -> list:
        return [self[f"col_{index}"] for index in range(len(self.columns))]

    def mapping(self) -> dict[str, str]:
        """Column name → target, without the ignored columns."""
        chosen = {column: self.cleaned_data[f"col_{i}"] for i, column in enumerate(self.columns)}
        return {column: target for column, target in chosen.items() if target != "ignore"}
