"""Running an add-on: the run row, the signed POST, the answer, the log.

A run is never made in a request thread nor in an outbox handler: ``start_run`` records it
(``pending``) and queues the job ``addons.run`` after commit, which ``execute``\\s it; a bulk
job of All conversations calls ``run_now`` from its own worker. ``execute``:

1. claims the run with a compare-and-set (``pending`` → ``running``, with a lease), so a
   duplicated job never sends twice;
2. builds the body from the database and POSTs it, outside any transaction, signed by the
   Standard Webhooks rules (``core.webhooks.sign``: the run's id is the ``webhook-id``)
   through the SSRF-guarded client (``core.ssrf``: internal addresses refused when
   connecting, on every redirect);
3. reads the answer (``answers.parse``), applies its actions through the domain services as
   the operator who ran it, and records status, timing, the start of the answer, the content
   and what was applied or refused. Timeouts, non-2xx answers, invalid JSON and blocked
   addresses become failed runs with a reason in the operator's language.

The sweep (every minute) queues a pending run whose job was lost and fails a run whose worker
died mid-request (its lease ran out); such a run is not retried by itself, since the add-on
may have acted already: the operator runs it again.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from messagecenter.addons import answers, services
from messagecenter.addons.models import Addon, AddonRun, RunState, RunTrigger
from messagecenter.conversations.events import entry_payloads, summary
from messagecenter.conversations.models import Conversation, EntryKind, TimelineEntry
from messagecenter.core import clock, ssrf, webhooks
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, NotFound, PermissionDenied
from messagecenter.core.events import conversation_group, send_on_commit
from messagecenter.jobs.names import enqueue, enqueue_on_commit
from messagecenter.webhooks.payloads import contact_data

log = logging.getLogger(__name__)

RUN_JOB = "addons.run"
TIMEOUT_SECONDS = 10.0
# The whole exchange, redirects included: an operator is waiting for the sidebar.
TOTAL_SECONDS = 15.0
MAX_ANSWER_BYTES = answers.MAX_CONTENT_CHARS
EXCERPT_CHARS = 500
# The conversation's latest messages the add-on receives (oldest first).
MAX_MESSAGES = 50
LEASE = timedelta(seconds=TOTAL_SECONDS * 4)
# A pending run older than this has lost its job: the sweep queues it again.
LOST_AFTER = timedelta(minutes=1)
# Runs and their answers (personal data) are kept this long, then forgotten.
RETENTION = timedelta(days=30)


class RunFailed(InvalidTransition):
    """A bulk run that failed or had actions refused (counted as refused with this reason)."""

    code = "addon_run_failed"


# --- starting -----------------------------------------------------------------------------------


def start_run(
    addon: Addon,
    conversation: Conversation,
    *,
    actor: Actor,
    trigger: str = RunTrigger.CONVERSATION,
    queue: bool = True,
) -> AddonRun:
    """Record a run for ``actor`` (an operator of the account) and queue it after commit."""
    operator = _require_operator(actor, addon, conversation)
    if not addon.enabled:
        raise InvalidTransition(_("The add-on “%(name)s” is disabled.") % {"name": addon.name})
    offered = addon.in_bulk if trigger == RunTrigger.BULK else addon.in_conversation
    if not offered:
        raise InvalidTransition(
            _("The add-on “%(name)s” is not offered here.") % {"name": addon.name}
        )
    with transaction.atomic():
        run = AddonRun.objects.create(
            account_id=addon.account_id,
            addon=addon,
            conversation=conversation,
            started_by=operator,
            trigger=trigger,
            created_at=clock.now(),
        )
        if queue:
            enqueue_on_commit(RUN_JOB, run.pk)
        _announce(run)
    return run


def run_now(addon: Addon, conversation: Conversation, *, actor: Actor) -> AddonRun:
    """A bulk job's run, in its own worker: start and execute at once (outside any
    transaction). Raises ``RunFailed`` when the run failed or refused an action."""
    run = start_run(addon, conversation, actor=actor, trigger=RunTrigger.BULK, queue=False)
    finished = execute(run.pk) or AddonRun.objects.get(pk=run.pk)
    if finished.state == RunState.FAILED:
        raise RunFailed(f"{addon.name}: {finished.error}")
    if finished.actions_refused:
        first = finished.actions_refused[0]
        raise RunFailed(f"{addon.name}: {first['type']}: {first['reason']}")
    return finished


def _require_operator(actor: Actor, addon: Addon, conversation: Conversation):
    if actor.account.pk != addon.account_id or conversation.account_id != addon.account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_active:
        raise PermissionDenied(_("Only an operator can run an add-on."))
    return actor.operator


# --- executing ----------------------------------------------------------------------------------


def execute(run_pk: int) -> AddonRun | None:
    """Send the run and record its outcome; None when it was not ours (done, or held)."""
    now = clock.now()
    won = AddonRun.objects.filter(pk=run_pk, state=RunState.PENDING).update(
        state=RunState.RUNNING, started_at=now, lease_until=now + LEASE
    )
    if not won:
        return None
    run = AddonRun.objects.select_related(
        "addon",
        "started_by",
        "conversation__account",
        "conversation__contact",
        "conversation__connection",
        "conversation__widget",
        "conversation__topic",
        "conversation__assigned_operator",
        "conversation__assigned_group",
    ).get(pk=run_pk)
    language = run.started_by.language if run.started_by else None
    with translation.override(language or translation.get_language()):
        try:
            exchange = call(run.addon, run.public_id, request_body(run))
            return _record(run, exchange)
        except Exception:  # a run must end in a state the page can show
            log.exception("add-on run %s failed unexpectedly", run.public_id)
            failed = Exchange(None, "", b"", 0, _("The run failed because of an internal error."))
            return _record(run, failed)


def request_body(run: AddonRun) -> bytes:
    """What the add-on receives: Standard Webhooks' event shape, ``type`` ``addon.run``."""
    conversation = run.conversation
    operator = run.started_by
    data = {
        "addon": {"id": run.addon.public_id, "name": run.addon.name},
        "run": {"id": run.public_id, "trigger": run.trigger},
        "operator": {
            "id": operator.public_id,
            "name": operator.name,
            "email": operator.email,
            "language": operator.language,
        }
        if operator
        else None,
        "conversation": {
            **summary(conversation),
            "subject": conversation.subject,
            "locale": conversation.locale,
            "topic": {"id": conversation.topic.public_id, "name": conversation.topic.name}
            if conversation.topic
            else None,
            "created_at": conversation.created_at.isoformat(),
        },
        "contact": {
            **contact_data(conversation.contact),
            "custom_data": conversation.contact.custom_data,
        },
        "messages": _latest_messages(conversation),
    }
    event = {
        "id": run.public_id,
        "type": "addon.run",
        "timestamp": clock.now().isoformat(),
        "data": data,
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _latest_messages(conversation: Conversation) -> list[dict]:
    entries = list(
        TimelineEntry.objects.filter(conversation=conversation, kind=EntryKind.MESSAGE)
        .select_related("message__connection")
        .order_by("-seq")[:MAX_MESSAGES]
    )
    return entry_payloads(entries[::-1])


@dataclass(frozen=True)
class Exchange:
    """One POST: the answer (``status`` None when none came) or why there was none."""

    status: int | None
    content_type: str
    body: bytes
    duration_ms: int
    error: str = ""


def call(addon: Addon, run_id: str, body: bytes) -> Exchange:
    """POST ``body`` signed, through the SSRF guard; never raises for the network's or the
    add-on's faults, it says what went wrong."""
    started = time.monotonic()

    def failed(error: str) -> Exchange:
        return Exchange(None, "", b"", _elapsed_ms(started), error)

    try:
        signed = webhooks.sign(services.signing_secrets(addon), run_id, clock.now(), body)
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/html, application/json",
            **signed,
        }
        with ssrf.OutboundClient(
            timeout=TIMEOUT_SECONDS,
            total_timeout=TOTAL_SECONDS,
            max_response_bytes=MAX_ANSWER_BYTES,
        ) as client:
            response = client.request("POST", addon.url, headers=headers, content=body)
    except ssrf.BlockedAddress as error:
        return failed(str(error.message))
    except ssrf.ResponseTooLarge:
        return failed(_("The answer is larger than %(kb)d KB.") % {"kb": MAX_ANSWER_BYTES // 1024})
    except ssrf.TooManyRedirects:
        return failed(_("The add-on redirected too often."))
    except webhooks.SignatureError as error:
        return failed(_("The run could not be signed (%(reason)s).") % {"reason": error.reason})
    except httpx.TimeoutException:
        return failed(_("No answer within %(seconds)g seconds.") % {"seconds": TIMEOUT_SECONDS})
    except (httpx.TransportError, ssrf.OutboundError) as error:
        return failed(_("The add-on could not be reached: %(error)s") % {"error": error})
    return Exchange(
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
        _elapsed_ms(started),
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _record(run: AddonRun, exchange: Exchange) -> AddonRun:
    changes: dict[str, Any] = {
        "duration_ms": exchange.duration_ms,
        "response_status": exchange.status,
        "response_excerpt": exchange.body[:EXCERPT_CHARS].decode("utf-8", errors="replace"),
    }
    try:
        answer = _answer(exchange)
    except answers.InvalidAnswer as error:
        changes |= {"state": RunState.FAILED, "error": str(error)[:500]}
    else:
        applied, refused = _apply(run, answer.actions)
        changes |= {
            "state": RunState.SUCCEEDED,
            "content": answer.content,
            "actions_applied": applied,
            "actions_refused": refused,
        }
    changes |= {"finished_at": clock.now(), "lease_until": None}
    with transaction.atomic():
        # Still ours? (The sweep fails a run whose lease ran out; its outcome stays failed.)
        if not AddonRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(**changes):
            run.refresh_from_db()
            return run
        for name, value in changes.items():
            setattr(run, name, value)
        _announce(run)
    if run.state == RunState.FAILED:
        log.info("add-on %s run %s failed: %s", run.addon.public_id, run.public_id, run.error)
    return run


def _answer(exchange: Exchange) -> answers.Answer:
    if exchange.error:
        raise answers.InvalidAnswer(exchange.error)
    status = exchange.status or 0
    if not 200 <= status < 300:
        raise answers.InvalidAnswer(_("The add-on answered HTTP %(status)d.") % {"status": status})
    return answers.parse(exchange.content_type, exchange.body)


def _apply(run: AddonRun, actions: list) -> tuple[list[dict], list[dict]]:
    if not actions:
        return [], []
    operator = run.started_by
    if operator is None or not operator.is_active:
        reason = _("The operator who ran the add-on is no longer active.")
        return [], [
            {"type": str(a.get("type", "?"))[:50] if isinstance(a, dict) else "?", "reason": reason}
            for a in actions
        ]
    context = answers.Context(run.conversation, Actor.for_operator(operator), run.addon.name)
    return answers.apply(actions, context)


# --- what the page shows ------------------------------------------------------------------------


def run_payload(run: AddonRun) -> dict:
    return {
        "id": run.public_id,
        "addon": {"id": run.addon.public_id, "name": run.addon.name},
        "conversation": run.conversation.public_id,
        "state": run.state,
        "finished": run.finished,
        "error": run.error,
        "has_content": bool(run.content),
        "applied": len(run.actions_applied),
        "refused": len(run.actions_refused),
        "url": reverse("addon_run_status", args=[run.conversation.public_id, run.public_id]),
    }


def _announce(run: AddonRun) -> None:
    """Open pages of the conversation re-read their add-on panel."""
    conversation_id = run.conversation.public_id
    send_on_commit(
        {"type": "addon.run", "conversation": conversation_id, "run": run_payload(run)},
        [conversation_group(conversation_id)],
    )


# --- the sweep ----------------------------------------------------------------------------------


def sweep() -> tuple[int, int]:
    """Queue pending runs whose job was lost; fail runs whose worker died. (queued, failed)"""
    now = clock.now()
    lost = list(
        AddonRun.objects.filter(state=RunState.PENDING, created_at__lt=now - LOST_AFTER)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    for pk in lost:
        enqueue(RUN_JOB, pk)
    dead = AddonRun.objects.filter(state=RunState.RUNNING, lease_until__lt=now)
    failed = 0
    for run in dead.select_related("addon", "conversation")[:200]:
        with transaction.atomic():
            if AddonRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
                state=RunState.FAILED,
                finished_at=now,
                lease_until=None,
                error=_interrupted_text(),
            ):
                failed += 1
                run.state, run.error = RunState.FAILED, _interrupted_text()
                _announce(run)
    return len(lost), failed


def prune() -> int:
    """Forget runs older than ``RETENTION``; how many."""
    old = AddonRun.objects.filter(created_at__lt=clock.now() - RETENTION)
    deleted, _counts = AddonRun.objects.filter(
        pk__in=list(old.values_list("pk", flat=True)[:5000])
    ).delete()
    return deleted


def _interrupted_text() -> str:
    return _("Interrupted: the worker stopped before the add-on answered. Run it again.")
