"""The providers against the fake DeepL and LibreTranslate servers: translate, usage,
languages, glossary, and every failure mapped to the state the operator sees."""

from __future__ import annotations

import pytest

from messagecenter.translation import providers
from messagecenter.translation.models import State
from messagecenter.translation.providers import DeepLProvider, LibreTranslateProvider, ProviderError
from tests.translation.fakes import DEEPL_KEY

pytestmark = pytest.mark.django_db


def test_deepl_translates_with_the_official_package(deepl_api):
    deepl = DeepLProvider(DEEPL_KEY, formality="prefer_more")
    [result] = deepl.translate(["hello, your order is shipped"], "de")
    assert result.text == "[DE] hallo, Ihre Bestellung ist versandt"
    assert result.detected_language == "en"
    assert result.characters == len("hello, your order is shipped")
    [asked] = deepl_api.calls("/v2/translate")
    assert asked["target_lang"] == "DE" and asked["formality"] == "prefer_more"
    assert asked["tag_handling"] == "xml" and asked["ignore_tags"] == ["x"]


def test_deepl_reports_usage_and_languages(deepl_api):
    deepl_api.count = 1234
    deepl = DeepLProvider(DEEPL_KEY)
    usage = deepl.usage()
    assert (usage.characters, usage.limit) == (1234, 500_000)
    assert ("DE", "German") in deepl.languages()


def test_deepl_english_target_is_a_regional_variant(deepl_api):
    DeepLProvider(DEEPL_KEY).translate(["Hallo"], "en")
    assert deepl_api.calls("/v2/translate")[0]["target_lang"] == "EN-GB"


@pytest.mark.parametrize(
    ("status", "state", "transient"),
    [
        (429, State.RATE_LIMITED, True),
        (456, State.QUOTA, False),
        (503, State.DOWN, True),
        (500, State.DOWN, True),
        (400, State.FAILED, False),
    ],
)
def test_deepl_failures_become_states(deepl_api, status, state, transient):
    deepl_api.fail("/v2/translate", status)
    with pytest.raises(ProviderError) as caught:
        DeepLProvider(DEEPL_KEY).translate(["hello"], "de")
    assert caught.value.state == state
    assert caught.value.transient is transient
    assert len(deepl_api.calls("/v2/translate")) == 1  # no hidden retries: the job retries


def test_a_wrong_deepl_key_is_refused(deepl_api):
    with pytest.raises(ProviderError) as caught:
        DeepLProvider("wrong:fx").translate(["hello"], "de")
    assert caught.value.state == State.FAILED


def test_an_unreachable_deepl_is_down(settings):
    settings.DEEPL_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(ProviderError) as caught:
        DeepLProvider(DEEPL_KEY).translate(["hello"], "de")
    assert caught.value.state == State.DOWN and caught.value.transient


def test_a_slow_deepl_times_out_as_down(deepl_api, settings):
    settings.TRANSLATION_TIMEOUT_SECONDS = 1
    deepl_api.delay = 1.5
    with pytest.raises(ProviderError) as caught:
        DeepLProvider(DEEPL_KEY).translate(["hello"], "de")
    assert caught.value.state == State.DOWN


def test_libretranslate_translates_detects_and_lists(libre_api):
    libre = LibreTranslateProvider(libre_api.url, "libre-key")
    [result] = libre.translate(["Hallo, wo ist meine Bestellung?"], "en")
    assert result.text == "[EN] hello, where is my order?"
    assert result.detected_language == "de"
    assert libre.detect("Bonjour, où est ma commande?") == "fr"
    assert ("de", "German") in libre.languages()
    asked = libre_api.calls("/translate")[0]
    assert asked["source"] == "auto" and asked["format"] == "html"
    assert asked["api_key"] == "libre-key"
    assert libre.usage() is None


@pytest.mark.parametrize(
    ("status", "state"), [(429, State.RATE_LIMITED), (500, State.DOWN), (400, State.FAILED)]
)
def test_libretranslate_failures_become_states(libre_api, status, state):
    libre_api.fail("/translate", status)
    with pytest.raises(ProviderError) as caught:
        LibreTranslateProvider(libre_api.url, "libre-key").translate(["hello"], "de")
    assert caught.value.state == state


def test_libretranslate_wrong_key_is_refused(libre_api):
    with pytest.raises(ProviderError) as caught:
        LibreTranslateProvider(libre_api.url, "nope").translate(["hello"], "de")
    assert caught.value.state == State.FAILED


def test_libretranslate_down(settings):
    with pytest.raises(ProviderError) as caught:
        LibreTranslateProvider("http://127.0.0.1:9").translate(["hello"], "de")
    assert caught.value.state == State.DOWN


def test_glossary_entries_parse():
    assert providers.parse_glossary("Message Center = Message Center\nbad line\n a=b ") == {
        "Message Center": "Message Center",
        "a": "b",
    }
