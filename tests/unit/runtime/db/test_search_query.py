"""Search queries (runtime.db.search.Query): what a typed query means, how each engine is told,
and highlights; the store tests run them against SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from runtime.db.search import MAX_QUERY, SNIPPET, Query, Segment, Term, fold


def test_words_phrases_and_prefixes_are_parsed_and_everything_else_ignored() -> None:
    query = Query.parse('Café  "Release Notes" deploy* -x (y) NEAR')
    assert query.terms == (
        Term(("cafe",)),
        Term(("release", "notes")),
        Term(("deploy",), prefix=True),
        Term(("x",)),
        Term(("y",)),
        Term(("near",)),
    )
    assert Query.parse("a-b*").terms == (Term(("a", "b"), prefix=True),)
    assert Query.parse('"unclosed phrase').terms == (Term(("unclosed", "phrase")),)
    assert Query.parse("dup DUP dup").terms == (Term(("dup",)),)


def test_each_engine_gets_only_quoted_words() -> None:
    query = Query.parse('"release notes" deploy* OR')
    assert query.fts5() == '"release notes" AND "deploy"* AND "or"'
    assert query.tsquery() == "('release' <-> 'notes') & 'deploy':* & 'or'"
    hostile = Query.parse("\"'; DROP TABLE messages; -- ^col:x NEAR(a b)")
    assert all(c.isalnum() or c in ' "*' for c in hostile.fts5().replace(" AND ", " "))


@pytest.mark.parametrize("text", ["", "   ", "*", '"" ()', "_ - ^ :", "x" * (MAX_QUERY + 1)])
def test_a_query_with_no_word_or_too_long_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="q "):
        Query.parse(text)


def test_too_many_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="terms"):
        Query.parse(" ".join(f"w{n}" for n in range(17)))


def test_fold_lowers_and_strips_diacritics() -> None:
    assert fold("ÉCOLE") == "ecole"
    assert fold("Straße") == "straße"  # lower case, as unicode61 does: no casefold to "ss"
    assert fold("naïve") == "naive"


def test_a_highlight_marks_whole_words_phrases_and_prefixes() -> None:
    query = Query.parse('"release notes" deploy*')
    assert query.highlight("We deployed; the Release Notes are out, release later") == [
        Segment("We ", False),
        Segment("deployed", True),
        Segment("; the ", False),
        Segment("Release Notes", True),
        Segment(" are out, release later", False),
    ]
    assert Query.parse("cafe").highlight("un café, un cafeteria") == [
        Segment("un ", False),
        Segment("café", True),
        Segment(", un cafeteria", False),
    ]


def test_a_long_text_is_cut_around_its_first_match() -> None:
    text = " ".join(f"word{n}" for n in range(200)) + " needle " + "tail " * 100
    segments = Query.parse("needle").highlight(text)
    assert segments[0] == Segment("…", False)
    assert segments[-1] == Segment("…", False)
    assert [s.text for s in segments if s.match] == ["needle"]
    shown = "".join(s.text for s in segments[1:-1])
    assert len(shown) <= SNIPPET
    assert shown in text
