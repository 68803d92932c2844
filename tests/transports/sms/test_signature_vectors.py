"""The X-Twilio-Signature vectors of the corpus (``/work/shared/corpora/sms/twilio/``, from
twilio-python's own tests, plus tampered ones) through the real webhook view: the view is
mounted at the vectors' path, the public URL is the vectors' origin, the request arrives as
from a TLS proxy (plain http, ``X-Forwarded-Proto: https``). Valid cases are accepted (they
are voice parameters, no MessageSid: nothing to store); tampered ones are refused with 403
and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import TestCase

from messagecenter.transports.sms.models import SmsEvent
from messagecenter.widgets.models import ChannelConnection
from tests.transports.sms.vector_urls import VECTOR_CONNECTION

pytestmark = pytest.mark.django_db

CORPUS = Path("/work/shared/corpora/sms/twilio/signature-vectors.json")
CASES = json.loads(CORPUS.read_text())["cases"] if CORPUS.exists() else []


@pytest.fixture
def vector_channel(settings, sms):
    settings.ROOT_URLCONF = "tests.transports.sms.vector_urls"
    ChannelConnection.objects.filter(pk=sms.pk).update(public_id=VECTOR_CONNECTION)
    return ChannelConnection.objects.get(pk=sms.pk)


@pytest.mark.skipif(not CASES, reason="the shared corpus is not on this machine")
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_signature_vector_through_the_webhook(case, vector_channel, provider, settings):
    url = urlsplit(case["url"])
    settings.PUBLIC_URL = f"{url.scheme}://{url.netloc}"
    ChannelConnection.objects.filter(pk=vector_channel.pk).update(
        credentials={"auth_token": case["auth_token"]}
    )
    headers = {"X-Twilio-Signature": case["expected_signature"], "X-Forwarded-Proto": "https"}
    target = f"{url.path}?{url.query}"
    if "body" in case:
        data, content_type = case["body"], "application/json"
    else:
        data = urlencode([tuple(pair) for pair in case["params"]])
        content_type = "application/x-www-form-urlencoded"

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = provider.post(target, data=data, content_type=content_type, headers=headers)

    assert response.status_code == (200 if case["expected_valid"] else 403), case["name"]
    assert not SmsEvent.objects.exists()


def test_the_corpus_has_valid_and_tampered_cases():
    if not CASES:
        pytest.skip("the shared corpus is not on this machine")
    assert {c["expected_valid"] for c in CASES} == {True, False}
