"""Probes for load balancers: /healthz (process alive) and /readyz (dependencies answer)."""

from __future__ import annotations

from unittest import mock


def test_healthz_answers_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_dependency_ok(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok", "queue": "ok"},
    }


def test_readyz_answers_503_naming_the_broken_dependency(client, db):
    with mock.patch("messagecenter.web.health.HUEY.pending_count", side_effect=OSError("gone")):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == "error: OSError: gone"
    assert response.json()["checks"]["database"] == "ok"
