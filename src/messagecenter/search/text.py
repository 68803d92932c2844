"""Words: how text becomes index terms, and a query becomes term groups.

Both backends get the same terms from here, so a word is found the same way on SQLite and on
PostgreSQL. SQLite's FTS5 can only stem English, PostgreSQL's configurations stem one language
per document; customers write German and English, often mixed. So stemming happens here, in
Python, with Snowball (the algorithms both databases ship): every word is indexed as

- its folded form (lower case, ``ß`` -> ``ss``, accents and umlauts removed), which a query
  term of 3+ characters matches as a prefix (search while typing), and
- its German and its English stem (folded), which a query word's stems match exactly
  ("Bestellungen" finds "Bestellung", "orders" finds "ordered", "Häuser" finds "Haus").

The databases never tokenise or stem anything themselves: SQLite stores the terms joined by
spaces (its ``unicode61`` tokenizer splits them back, unchanged), PostgreSQL stores them with
``array_to_tsvector`` (lexemes taken as they are).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Letters and digits in any script; underscore and punctuation separate words (as they do in
# SQLite's unicode61 tokenizer, so a stored term is never split differently there).
WORD = re.compile(r"[^\W_]+")
MAX_WORD = 40
PREFIX_FROM = 3
MAX_QUERY_TERMS = 8
MAX_QUERY_LENGTH = 200

# Snowball stemmers keep state while stemming a word: one lock, since hits on the cache below
# are the common case and a miss costs microseconds.
_stem_lock = threading.Lock()
_german = snowballstemmer.stemmer("german")
_english = snowballstemmer.stemmer("english")


def fold(word: str) -> str:
    """Lower case without accents: "Müller" -> "muller", "Straße" -> "strasse"."""
    word = word.lower().replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of ``text`` in order (NFC first, so "u" + combining diaeresis is "ü")."""
    return WORD.findall(unicodedata.normalize("NFC", text or ""))


@lru_cache(maxsize=200_000)
def forms(word: str) -> tuple[str, ...]:
    """The index terms of one word: folded form, then its German and English stems."""
    lower = word.lower()[:MAX_WORD]
    folded = fold(lower)
    if not folded:
        return ()
    if len(lower) < PREFIX_FROM or any(c.isdigit() for c in lower):
        # Numbers and identifiers ("4711", "kunde4711", "ZQ-4711" → "zq", "4711") are not
        # German or English words: stemming them finds nothing more, and as they are mostly
        # unique it only missed the cache (an import spent a seventh of its time there).
        return (folded,)
    with _stem_lock:
        german, english = _german.stemWord(lower), _english.stemWord(lower)
    stems = (fold(german), fold(english))
    return tuple(dict.fromkeys(t for t in (folded, *stems) if t and _is_term(t)))


def _is_term(term: str) -> bool:
    return WORD.fullmatch(term) is not None


def document_terms(*texts: str) -> list[str]:
    """The distinct index terms of some texts (order kept, for stable stored documents)."""
    terms: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            for term in forms(word):
                terms[term] = None
    return list(terms)


@dataclass(frozen=True)
class QueryTerm:
    """One word of a query: found where an index term starts with ``prefix`` (3+ characters
    typed) or equals one of ``exact`` (the word itself when short, and its stems)."""

    prefix: str | None
    exact: tuple[str, ...]

    def matches(self, word_forms: tuple[str, ...]) -> bool:
        """The same rule the databases apply, for highlighting a word of a snippet."""
        for term in word_forms:
            if self.prefix is not None and term.startswith(self.prefix):
                return True
            if term in self.exact:
                return True
        return False


def query_terms(text: str) -> list[QueryTerm]:
    """A search box's text as terms, all of which must match (in one message or contact)."""
    found: list[QueryTerm] = []
    for word in words((text or "")[:MAX_QUERY_LENGTH]):
        word_forms = forms(word)
        if not word_forms:
            continue
        folded = word_forms[0]
        if len(folded) >= PREFIX_FROM:
            # The prefix covers the folded word itself; stems that are not covered stay exact.
            exact = tuple(t for t in word_forms[1:] if not t.startswith(folded))
            term = QueryTerm(prefix=folded, exact=exact)
        else:
            term = QueryTerm(prefix=None, exact=word_forms)
        if term not in found:
            found.append(term)
    return found[:MAX_QUERY_TERMS]
