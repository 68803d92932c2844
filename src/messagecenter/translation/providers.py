"""The providers behind one small interface: translate texts, tell usage and languages, keep a
glossary. DeepL through its official ``deepl`` package, LibreTranslate over HTTP (``httpx``).
Base URLs are settings (``MC_DEEPL_API_URL``; LibreTranslate's is the admin's), so the tests
run both against local fake servers written from the providers' published API.

Every failure is one ``ProviderError`` whose ``state`` says what the operator sees (down,
rate limited, quota used up, refused) and whether a retry can help (``transient``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import deepl
import httpx
from django.conf import settings

from messagecenter.translation.models import Formality, Provider, State, TranslationSettings

log = logging.getLogger(__name__)

# The jobs retry with their own backoff (a 429 must not hold a worker thread asleep), so the
# package tries once and waits no longer than our timeout.
deepl.http_client.max_network_retries = 0


class ProviderError(Exception):
    def __init__(self, state: str, detail: str = "") -> None:
        super().__init__(detail or state)
        self.state = state

    @property
    def transient(self) -> bool:
        return self.state in (State.DOWN, State.RATE_LIMITED)


@dataclass(frozen=True)
class Result:
    text: str
    detected_language: str  # lower-case base code ("de"), or "" when unknown
    characters: int


@dataclass(frozen=True)
class Usage:
    characters: int
    limit: int | None


class TranslationProvider(Protocol):
    name: str

    def translate(
        self, texts: list[str], target: str, *, source: str = "", markup: bool = True
    ) -> list[Result]: ...

    def usage(self) -> Usage | None: ...

    def languages(self) -> list[tuple[str, str]]: ...

    def sync_glossary(self, config: TranslationSettings) -> str: ...


def for_settings(config: TranslationSettings | None) -> TranslationProvider | None:
    """The account's provider, or None when none is set up."""
    if config is None or not config.provider:
        return None
    key = (config.credentials or {}).get("api_key", "")
    if config.provider == Provider.DEEPL:
        return DeepLProvider(key, formality=config.formality, glossary=_glossary(config))
    if config.provider == Provider.LIBRETRANSLATE and config.libretranslate_url:
        return LibreTranslateProvider(config.libretranslate_url, key)
    return None


def _glossary(config: TranslationSettings) -> tuple[str, str, str] | None:
    if config.glossary_id and config.glossary_source and config.glossary_target:
        return config.glossary_source, config.glossary_target, config.glossary_id
    return None


def _base(code: str) -> str:
    return code.split("-")[0].lower()


# --- DeepL -------------------------------------------------------------------------------------


# DeepL wants a regional variant for these targets.
DEEPL_TARGETS = {"en": "EN-GB", "pt": "PT-PT"}


class DeepLProvider:
    name = Provider.DEEPL.value

    def __init__(self, auth_key: str, *, formality: str = "default", glossary=None) -> None:
        if not auth_key:
            raise ProviderError(State.UNCONFIGURED, "no DeepL key")
        deepl.http_client.min_connection_timeout = settings.TRANSLATION_TIMEOUT_SECONDS
        self.translator = deepl.Translator(
            auth_key, server_url=settings.DEEPL_API_URL or None, send_platform_info=False
        )
        self.formality = formality
        self.glossary = glossary

    def translate(
        self, texts: list[str], target: str, *, source: str = "", markup: bool = True
    ) -> list[Result]:
        options: dict = {
            "target_lang": DEEPL_TARGETS.get(target, target.upper()),
            "source_lang": source.upper() or None,
        }
        if markup:
            options.update(tag_handling="xml", ignore_tags=["x"], preserve_formatting=True)
        if self.formality != Formality.DEFAULT:
            options["formality"] = self.formality
        if self.glossary and source and (_base(source), _base(target)) == self.glossary[:2]:
            options["glossary"] = self.glossary[2]
        results = self._call(self.translator.translate_text, texts, **options)
        return [
            Result(r.text, _base(r.detected_source_lang or ""), r.billed_characters)
            for r in results
        ]

    def usage(self) -> Usage | None:
        usage = self._call(self.translator.get_usage)
        if usage.character.valid:
            return Usage(usage.character.count, usage.character.limit)
        return None

    def languages(self) -> list[tuple[str, str]]:
        found = self._call(self.translator.get_target_languages)
        return [(language.code, language.name) for language in found]

    def sync_glossary(self, config: TranslationSettings) -> str:
        """Replace the account's glossary at DeepL with the entries now set; its id."""
        if config.glossary_id:
            try:
                self._call(self.translator.delete_glossary, config.glossary_id)
            except ProviderError:
                log.info("the old DeepL glossary %s was already gone", config.glossary_id)
        entries = parse_glossary(config.glossary_entries)
        if not entries or not config.glossary_source or not config.glossary_target:
            return ""
        made = self._call(
            self.translator.create_glossary,
            f"Message Center {config.account.public_id}",
            config.glossary_source.upper(),
            config.glossary_target.upper(),
            entries,
        )
        return made.glossary_id

    @staticmethod
    def _call(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except deepl.QuotaExceededException as error:
            raise ProviderError(State.QUOTA, str(error)) from error
        except deepl.TooManyRequestsException as error:
            raise ProviderError(State.RATE_LIMITED, str(error)) from error
        except deepl.AuthorizationException as error:
            raise ProviderError(State.FAILED, str(error)) from error
        except deepl.ConnectionException as error:
            raise ProviderError(State.DOWN, str(error)) from error
        except deepl.DeepLException as error:
            status = getattr(error, "http_status_code", None) or 0
            state = State.DOWN if status >= 500 or status == 0 else State.FAILED
            raise ProviderError(state, str(error)) from error


def parse_glossary(text: str) -> dict[str, str]:
    """``term = translation`` per line; blank and malformed lines are skipped."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        source, sep, target = line.partition("=")
        if sep and source.strip() and target.strip():
            entries[source.strip()] = target.strip()
    return entries


# --- LibreTranslate ----------------------------------------------------------------------------


class LibreTranslateProvider:
    name = Provider.LIBRETRANSLATE.value

    def __init__(self, base_url: str, api_key: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def translate(
        self, texts: list[str], target: str, *, source: str = "", markup: bool = True
    ) -> list[Result]:
        results = []
        for text in texts:
            body = {
                "q": text,
                "source": source or "auto",
                "target": target,
                "format": "html" if markup else "text",
            }
            answer = self._post("/translate", body)
            detected = (answer.get("detectedLanguage") or {}).get("language", "") or source
            results.append(Result(answer.get("translatedText", ""), _base(detected), len(text)))
        return results

    def detect(self, text: str) -> str:
        found = self._post("/detect", {"q": text})
        return _base(found[0]["language"]) if found else ""

    def usage(self) -> Usage | None:
        return None  # self-hosted: no quota to report

    def languages(self) -> list[tuple[str, str]]:
        return [(item["code"], item["name"]) for item in self._request("GET", "/languages")]

    def sync_glossary(self, config: TranslationSettings) -> str:
        return ""  # LibreTranslate has no glossaries

    def _post(self, path: str, body: dict):
        if self.api_key:
            body = {**body, "api_key": self.api_key}
        return self._request("POST", path, json=body)

    def _request(self, method: str, path: str, **kwargs):
        try:
            response = httpx.request(
                method,
                self.base_url + path,
                timeout=settings.TRANSLATION_TIMEOUT_SECONDS,
                follow_redirects=False,
                **kwargs,
            )
        except httpx.HTTPError as error:
            raise ProviderError(State.DOWN, type(error).__name__) from error
        if response.status_code == 429:
            raise ProviderError(State.RATE_LIMITED, _error_of(response))
        if response.status_code >= 500:
            raise ProviderError(State.DOWN, _error_of(response))
        if response.status_code >= 400:
            raise ProviderError(State.FAILED, _error_of(response))
        try:
            return response.json()
        except ValueError as error:
            raise ProviderError(State.DOWN, "not JSON") from error


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))[:200] or str(response.status_code)
    except ValueError:
        return str(response.status_code)
