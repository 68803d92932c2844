"""The form of Settings › Translation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messagecenter.translation.models import DEFAULT_LANGUAGES, Formality, Provider
from messagecenter.translation.services import ProviderChoice, language_names


class SettingsForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("Translation service"), choices=Provider.choices, required=False
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "DeepL: your authentication key. LibreTranslate: only if your server asks for "
            "one. Leave empty to keep the stored key."
        ),
    )
    clear_key = forms.BooleanField(label=_("Remove the stored key"), required=False)
    libretranslate_url = forms.URLField(
        label=_("LibreTranslate server"),
        required=False,
        assume_scheme="https",
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://translate.example.com"}),
    )
    formality = forms.ChoiceField(label=_("Formality (DeepL)"), choices=Formality.choices)
    languages = forms.MultipleChoiceField(
        label=_("The account's languages"),
        choices=language_names,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The contact's language is detected among these, and chosen from them."),
    )
    allow_privacy_widgets = forms.BooleanField(
        label=_("Also translate conversations of widgets in privacy mode"),
        required=False,
        help_text=_("Their texts then go to the translation service too."),
    )
    glossary_source = forms.ChoiceField(
        label=_("Glossary from"),
        choices=[("", "—"), *[(c, c) for c in DEFAULT_LANGUAGES]],
        required=False,
    )
    glossary_target = forms.ChoiceField(
        label=_("Glossary into"),
        choices=[("", "—"), *[(c, c) for c in DEFAULT_LANGUAGES]],
        required=False,
    )
    glossary_entries = forms.CharField(
        label=_("Glossary (DeepL)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Message Center = Message Center"}),
        help_text=_("One “term = translation” per line: always translated this way."),
    )

    @staticmethod
    def initial_for(config) -> dict:
        if config is None:
            return {"formality": Formality.DEFAULT, "languages": DEFAULT_LANGUAGES}
        return {
            "provider": config.provider,
            "libretranslate_url": config.libretranslate_url,
            "formality": config.formality,
            "languages": config.account_languages(),
            "allow_privacy_widgets": config.allow_privacy_widgets,
            "glossary_source": config.glossary_source,
            "glossary_target": config.glossary_target,
            "glossary_entries": config.glossary_entries,
        }

    def choice(self) -> ProviderChoice:
        data = self.cleaned_data
        key = data["api_key"] or None
        if data["clear_key"]:
            key = ""
        return ProviderChoice(
            provider=data["provider"],
            api_key=key,
            libretranslate_url=data["libretranslate_url"],
            formality=data["formality"],
            languages=tuple(data["languages"]),
            allow_privacy_widgets=data["allow_privacy_widgets"],
            glossary_source=data["glossary_source"],
            glossary_target=data["glossary_target"],
            glossary_entries=data["glossary_entries"],
        )
