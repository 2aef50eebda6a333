"""Full-text search over message text with each database's own engine (migration 0007).

A user's query is parsed here into terms, never handed to the engine as typed: words are runs
of letters and digits, matched whole, case- and diacritic-insensitively; ``word*`` is a prefix;
``"two words"`` a phrase; every term must match. Anything else is ignored, so no input can be
a syntax error.

    query = Query.parse('"release notes" deploy*')     # ValueError: nothing to search for
    query.fts5()       # '"release notes" AND "deploy"*'         (SQLite FTS5 MATCH)
    query.tsquery()    # "('release' <-> 'notes') & 'deploy':*"  (PostgreSQL to_tsquery)
    query.highlight("We deploy the release notes")   # segments, the matches marked
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from runtime.db.messages import load
from runtime.db.models import Member, Message
from runtime.events import pair_key
from runtime.history import StoredMessage

MAX_QUERY = 200  # characters of a query
MAX_TERMS = 16
SNIPPET = 160  # characters of text a highlight shows around the first match
WORD = re.compile(r"[^\W_]+")  # what FTS5's unicode61 and PostgreSQL's parser call a word
TERM = re.compile(r'"([^"]*)"?|(\S+)')  # a quoted phrase (closed or not) or a bare run
Sort = Literal["recent", "relevance"]
# SQLite: the FTS5 table over messages.text, rowid = messages.seq.
FTS = table("messages_search", column("rowid"), column("rank"))
# PostgreSQL's text search configuration: no stemming, no stop words.
SIMPLE: ColumnElement[str] = literal_column("'simple'::regconfig")
VECTOR: ColumnElement[Any] = literal_column("messages.messages_search")  # no model: PostgreSQL's


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of consecutive words; the last one a prefix when ``prefix``."""

    words: tuple[str, ...]
    prefix: bool = False

    def matches(self, folded: list[str], at: int) -> bool:
        """Whether the words of a text, ``folded``, hold this term from position ``at``."""
        if at + len(self.words) > len(folded):
            return False
        *whole, last = self.words
        if folded[at : at + len(whole)] != whole:
            return False
        word = folded[at + len(whole)]
        return word.startswith(last) if self.prefix else word == last


@dataclass(frozen=True)
class Segment:
    """A piece of a highlighted snippet: ``match`` when it is a word the query found."""

    text: str
    match: bool


@dataclass(frozen=True)
class Query:
    """A parsed search: every term must match."""

    terms: tuple[Term, ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        """The terms of ``text``; ``ValueError`` (a sentence for the user) when it is too long
        or holds no word at all."""
        if len(text) > MAX_QUERY:
            raise ValueError(f"q is {len(text)} characters; search with at most {MAX_QUERY}")
        terms: list[Term] = []
        for quoted, bare in TERM.findall(text):
            words = tuple(fold(w) for w in WORD.findall(quoted or bare))
            prefix = bool(bare) and bare.endswith("*") and bool(WORD.search(bare[-2:-1] or ""))
            if words:
                terms.append(Term(words, prefix))
        if not terms:
            raise ValueError("q has no words to search for (letters or digits)")
        if len(terms) > MAX_TERMS:
            raise ValueError(f"q has {len(terms)} terms; search with at most {MAX_TERMS}")
        return cls(tuple(dict.fromkeys(terms)))

    def fts5(self) -> str:
        """The query in FTS5's syntax: quoted words (nothing in them is syntax), ANDed."""
        return " AND ".join(
            '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in self.terms
        )

    def tsquery(self) -> str:
        """The query in PostgreSQL's ``to_tsquery`` syntax: quoted lexemes, ``<->`` for a
        phrase, ``:*`` for a prefix, ``&`` between terms."""
        parts = []
        for term in self.terms:
            lexemes = [f"'{w}'" for w in term.words]
            if term.prefix:
                lexemes[-1] += ":*"
            parts.append(lexemes[0] if len(lexemes) == 1 else f"({' <-> '.join(lexemes)})")
        return " & ".join(parts)

    def highlight(self, text: str) -> list[Segment]:
        """``text`` (at most about ``SNIPPET`` characters of it, around the first match) in
        segments, the words the query matches marked; the same on every database."""
        spans = [m.span() for m in WORD.finditer(text)]
        folded = [fold(text[a:b]) for a, b in spans]
        marked: list[tuple[int, int]] = []
        for at in range(len(folded)):
            for term in self.terms:
                if term.matches(folded, at):
                    marked.append((spans[at][0], spans[at + len(term.words) - 1][1]))
                    break
        start, end = _window(text, marked[0][0] if marked else 0)
        segments, cursor = [], start
        for a, b in marked:
            if a < cursor or b > end:
                continue
            if a > cursor:
                segments.append(Segment(text[cursor:a], False))
            segments.append(Segment(text[a:b], True))
            cursor = b
        if cursor < end:
            segments.append(Segment(text[cursor:end], False))
        if start > 0:
            segments.insert(0, Segment("…", False))
        if end < len(text):
            segments.append(Segment("…", False))
        return segments


def fold(word: str) -> str:
    """A word as the index keeps it: lower case, diacritics removed (``Café`` -> ``cafe``)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _window(text: str, first: int) -> tuple[int, int]:
    """About ``SNIPPET`` characters of ``text`` from a little before ``first``, cut at spaces."""
    if len(text) <= SNIPPET:
        return 0, len(text)
    start = max(0, first - SNIPPET // 4)
    if start > 0 and (space := text.rfind(" ", 0, start)) != -1:
        start = space + 1
    end = min(len(text), start + SNIPPET)
    if end < len(text) and (space := text.rfind(" ", start, end)) > first:
        end = space
    return start, end


def visible_to(user: str) -> ColumnElement[bool]:
    """Messages ``user`` may find: in rooms they are a member of, and their conversations."""
    member_of = select(Member.room).where(Member.username == user)
    return or_(
        Message.room.in_(member_of),
        Message.recipient == user,
        (Message.author == user) & Message.recipient.is_not(None),
    )


async def search(
    connection: AsyncConnection,
    query: Query,
    user: str,
    *,
    room: str | None = None,
    other: str | None = None,
    author: str | None = None,
    before: int | None = None,
    limit: int = 20,
    sort: Sort = "recent",
) -> list[StoredMessage]:
    """The messages ``user`` may see that match ``query`` (see ``Store.search``)."""
    where = [visible_to(user), Message.deleted.is_(False)]
    if room is not None:
        where.append(Message.room == room)
    if other is not None:
        where.append(Message.pair == pair_key(user, other))
    if author is not None:
        where.append(Message.author == author)
    if connection.dialect.name == "postgresql":
        found = _postgres(query, sort)
    else:
        found = _sqlite(query, sort)
    if before is not None:
        where.append(Message.seq < before)
    return await load(connection, found.where(*where).limit(limit))


def _sqlite(query: Query, sort: Sort) -> Select[Any]:
    match = literal_column("messages_search").op("MATCH")(bindparam("q", query.fts5()))
    # Ordered by the index's rowid (= seq): FTS5 walks its matches newest first and stops at
    # the limit, instead of sorting every match.
    found = select(Message.__table__).join(FTS, FTS.c.rowid == Message.seq).where(match)
    if sort == "relevance":
        return found.order_by(FTS.c.rank, Message.seq.desc())
    return found.order_by(FTS.c.rowid.desc())  # that alone, or SQLite sorts every match


def _postgres(query: Query, sort: Sort) -> Select[Any]:
    vector = VECTOR  # to_tsvector('simple', parley_fold(text)), stored, under a GIN index
    tsquery = func.to_tsquery(SIMPLE, func.parley_fold(bindparam("q", query.tsquery())))
    found = select(Message.__table__).where(vector.bool_op("@@")(tsquery))
    if sort == "relevance":
        return found.order_by(func.ts_rank_cd(vector, tsquery).desc(), Message.seq.desc())
    return found.order_by(Message.seq.desc())
