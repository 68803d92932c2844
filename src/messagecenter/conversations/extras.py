"""What a channel adds to its messages in the operator's view: a mail's attachments, the quoted
history its parser cut, the parts it could not keep.

Conversations never import transports (the channel seam, docs/ARCHITECTURE), so a transport
registers a loader for its channel kind at start-up. A loader gets every message of one page
of that channel at once and answers with the extra keys per message: one query per channel per
page, never one per message, and none at all for a channel without a loader (the messenger's
live write path pays nothing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from messagecenter.conversations.models import Conversation, EntryKind, Message, TimelineEntry
from messagecenter.files.models import StoredFile

# message pk -> keys merged into the entry's ``message`` payload
Loader = Callable[[list[Message]], dict[int, dict[str, Any]]]
# (conversation, file public id) -> the file, when a message of the conversation carries it
FileFinder = Callable[[Conversation, str], StoredFile | None]

_loaders: dict[str, Loader] = {}
# Loaders added beside a channel's own (the files an operator sent, on the messenger and
# e-mail): their keys are merged into the channel loader's.
_additions: dict[str, list[Loader]] = defaultdict(list)
_finders: dict[str, FileFinder] = {}
# Loaders for the messages of every channel (translations): pages and updates only, never the
# entry pushed by the write itself, so the live write path pays nothing for them.
_page_loaders: list[Loader] = []


def register(channel: str, loader: Loader, *, files: FileFinder | None = None) -> None:
    """Called by a transport's ``ready``: ``loader`` describes the messages of ``channel``;
    ``files`` finds a file its messages carry (for the download endpoints). A later call for
    the same channel replaces its loader (a transport that wraps the shared one)."""
    _loaders[channel] = loader
    if files is not None:
        _finders[channel] = files


def register_for_every_channel(loader: Loader) -> None:
    """Called by a feature's ``ready`` (translation): ``loader`` describes the messages of
    every channel on pages and in ``message.updated``."""
    if loader not in _page_loaders:
        _page_loaders.append(loader)


def add(channel: str, loader: Loader) -> None:
    """A loader whose keys are merged into ``channel``'s (lists are joined), whatever loader
    the channel registers itself."""
    if loader not in _additions[channel]:
        _additions[channel].append(loader)


def _loaders_of(channel: str) -> list[Loader]:
    own = _loaders.get(channel)
    return ([own] if own else []) + _additions.get(channel, [])


def conversation_file(conversation: Conversation, file_id: str) -> StoredFile | None:
    """A file one of the conversation's messages carries, or None (never another's file)."""
    for find in dict.fromkeys(_finders.values()):  # one finder may serve several channels
        stored = find(conversation, file_id)
        if stored is not None:
            return stored
    return None


def applies(entry: TimelineEntry) -> bool:
    """Whether the entry is a message of a channel that adds extras."""
    return entry.kind == EntryKind.MESSAGE and bool(_loaders_of(entry.message.connection.kind))


def for_entries(entries: Iterable[TimelineEntry]) -> dict[int, dict[str, Any]]:
    """The extras of the entries' messages, by message pk, one loader call per channel."""
    by_channel: dict[str, list[Message]] = defaultdict(list)
    for entry in entries:
        if applies(entry):
            by_channel[entry.message.connection.kind].append(entry.message)
    extras: dict[int, dict[str, Any]] = {}
    for channel, messages in by_channel.items():
        for loader in _loaders_of(channel):
            for pk, keys in loader(messages).items():
                _merge(extras.setdefault(pk, {}), keys)
    if _page_loaders:
        _merge_every_channel(entries, extras)
    return extras


def _merge_every_channel(entries: Iterable[TimelineEntry], extras: dict) -> None:
    messages = [e.message for e in entries if e.kind == EntryKind.MESSAGE]
    if not messages:
        return
    for loader in _page_loaders:
        for pk, keys in loader(messages).items():
            extras.setdefault(pk, {}).update(keys)


def _merge(into: dict[str, Any], keys: dict[str, Any]) -> None:
    for key, value in keys.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        else:
            into[key] = value
