"""Index terms and query terms: folding, German and English stems, prefixes (no database)."""

from __future__ import annotations

from messagecenter.search.text import document_terms, fold, forms, query_terms


def test_folding_removes_case_accents_and_umlauts():
    assert fold("Müller") == "muller"
    assert fold("Straße") == "strasse"
    assert fold("Chloé") == "chloe"


def test_a_word_is_indexed_folded_and_with_its_german_and_english_stems():
    assert forms("Bestellungen") == ("bestellungen", "bestell")
    assert forms("ordered") == ("ordered", "order")
    assert forms("Häuser") == ("hauser", "haus")


def test_digits_and_short_words_are_kept_as_they_are():
    assert forms("4711") == ("4711",)
    assert forms("DE") == ("de",)
    # An identifier is not a word: "kunden4711" is found as itself (and by its prefix).
    assert forms("Kunden4711") == ("kunden4711",)
    assert query_terms("kunden4711")[0].matches(forms("Kunden4711"))


def test_document_terms_are_distinct_and_keep_their_order():
    assert document_terms("Bestellung, bestellung! Bestellungen") == [
        "bestellung",
        "bestell",
        "bestellungen",
    ]


def test_combining_characters_are_composed_first():
    decomposed = "Mu\u0308ller"  # "u" + combining diaeresis, as some keyboards send it
    assert document_terms(decomposed) == document_terms("Müller")


def test_a_query_word_of_three_or_more_characters_is_a_prefix_and_its_stems():
    (term,) = query_terms("Bestellungen")
    assert term.prefix == "bestellungen"
    assert term.exact == ("bestell",)
    assert term.matches(forms("Bestellung"))  # by the German stem
    assert term.matches(forms("Bestellungen"))
    assert not term.matches(forms("Bestand"))


def test_short_query_words_match_exactly():
    (term,) = query_terms("de")
    assert term.prefix is None
    assert term.matches(("de",))
    assert not term.matches(("deutsch",))


def test_typed_prefix_matches_longer_words():
    (term,) = query_terms("lie")
    assert term.matches(forms("Lieferung"))
    assert term.matches(forms("geliefert")) is False


def test_queries_are_capped_and_deduplicated():
    assert len(query_terms("a b c d e f g h i j k l")) == 8
    assert len(query_terms("Haus haus HAUS")) == 1
