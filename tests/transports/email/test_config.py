"""An e-mail channel's stored settings become the IMAP/SMTP settings and sender identity."""

from __future__ import annotations

import pytest

from messagecenter.core.errors import ValidationFailed
from messagecenter.transports.email.config import EmailConfig
from messagecenter.transports.email.imap import Security

CONFIG = {
    "address": "support@acme.example",
    "name": "Acme Support",
    "imap": {"host": "imap.acme.example", "username": "support"},
    "smtp": {"host": "smtp.acme.example", "security": "ssl", "username": "support"},
}
SECRETS = {"imap_password": "in-secret", "smtp_password": "out-secret"}


def test_settings_come_from_config_and_secrets_with_the_usual_ports():
    config = EmailConfig.from_data(CONFIG, SECRETS)

    assert config.identity.address == "support@acme.example"
    assert config.identity.name == "Acme Support"
    assert (config.imap.host, config.imap.port, config.imap.security) == (
        "imap.acme.example",
        993,
        Security.SSL,
    )
    assert config.imap.password == "in-secret"
    assert (config.smtp.port, config.smtp.password) == (465, "out-secret")
    assert "in-secret" not in repr(config) and "out-secret" not in repr(config)


def test_a_webhook_channel_needs_no_imap_and_a_receive_only_channel_no_smtp():
    config = EmailConfig.from_data(
        {"address": "a@b.example", "inbound": "webhook"}, {"webhook_secret": "whsec_x"}
    )

    assert config.imap is None and config.smtp is None
    assert config.webhook_secret == "whsec_x"


@pytest.mark.parametrize(
    "broken",
    [
        {**CONFIG, "address": "no-at-sign"},
        {**CONFIG, "inbound": "carrier-pigeon"},
        {**CONFIG, "imap": {}},
        {**CONFIG, "smtp": {"host": "smtp.acme.example", "port": "many"}},
        {**CONFIG, "imap": {"host": "imap.acme.example", "security": "rot13"}},
    ],
)
def test_incomplete_settings_are_refused_clearly(broken):
    with pytest.raises(ValidationFailed):
        EmailConfig.from_data(broken, SECRETS)
