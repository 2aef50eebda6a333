"""Search and uploads in the store (runtime.db.search, runtime.db.uploads), on SQLite and on
PostgreSQL: each database's own full-text engine, kept in step with edits and deletes, never
finding what the caller may not see; uploads' quota and visibility."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from runtime.db.search import Query
from runtime.db.store import Store
from runtime.db.uploads import New
from runtime.errors import UserError
from runtime.history import Change, StoredMessage
from tests.support.net import unique


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as store:
        await store.migrate()
        yield store


class Three:
    """ann, bob and cy (unique names): ann and bob share a public room, ann alone is in a
    private one, cy is in a third room; ann and bob have a conversation, bob and cy another.
    Every message holds the word of this test (``word``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.word = unique("w").replace("-", "")
        self.ann, self.bob, self.cy = unique("ann"), unique("bob"), unique("cy")
        self.shared, self.secret, self.third = unique("pub"), unique("priv"), unique("third")
        self.texts: dict[str, str] = {}

    async def setup(self) -> Three:
        rooms = self.store.rooms()
        await rooms.enter(self.shared, self.ann, limit=10)
        await rooms.enter(self.shared, self.bob, limit=10)
        await rooms.create(self.secret, self.ann, visibility="private", limit=10)
        await rooms.enter(self.third, self.cy, limit=10)
        await self.say("shared-by-ann", self.ann, room=self.shared)
        await self.say("shared-by-bob", self.bob, room=self.shared)
        await self.say("secret-by-ann", self.ann, room=self.secret)
        await self.say("third-by-cy", self.cy, room=self.third)
        await self.say("dm-ann-bob", self.ann, to=self.bob)
        await self.say("dm-bob-cy", self.bob, to=self.cy)
        return self

    async def say(
        self, label: str, author: str, *, room: str | None = None, to: str | None = None
    ) -> StoredMessage:
        text = f"{label} says {self.word}"
        message = StoredMessage(
            id=unique(label), author=author, text=text, ts=now(), room=room, recipient=to
        )
        stored, _ = await self.store.save_message(message)
        self.texts[label] = stored.id
        return stored

    async def found(self, user: str, q: str | None = None, **filters: str) -> set[str]:
        query = Query.parse(q or self.word)
        hits = await self.store.search(user, query, **filters)  # type: ignore[arg-type]
        ids = {m.id for m in hits}
        return {label for label, id in self.texts.items() if id in ids}


def now() -> datetime:
    return datetime.now(UTC)


async def test_each_user_finds_only_what_they_may_see_through_every_filter(store: Store) -> None:
    t = await Three(store).setup()
    everything_of_ann = {"shared-by-ann", "shared-by-bob", "secret-by-ann", "dm-ann-bob"}
    assert await t.found(t.ann) == everything_of_ann
    assert await t.found(t.bob) == {"shared-by-ann", "shared-by-bob", "dm-ann-bob", "dm-bob-cy"}
    assert await t.found(t.cy) == {"third-by-cy", "dm-bob-cy"}

    # Filters narrow what one may see, never widen it.
    assert await t.found(t.ann, room=t.shared) == {"shared-by-ann", "shared-by-bob"}
    assert await t.found(t.bob, room=t.secret) == set()
    assert await t.found(t.cy, room=t.shared) == set()
    assert await t.found(t.ann, other=t.bob) == {"dm-ann-bob"}
    assert await t.found(t.ann, other=t.cy) == set()
    assert await t.found(t.cy, other=t.bob) == {"dm-bob-cy"}
    assert await t.found(t.ann, author=t.bob) == {"shared-by-bob"}
    assert await t.found(t.cy, author=t.ann) == set()
    assert await t.found(t.bob, author=t.cy) == set()  # cy wrote in a room bob is not in
    assert await t.found(t.cy, author=t.bob) == {"dm-bob-cy"}

    # Leaving (or being banned from) a room takes its messages out of one's search.
    await store.rooms().remove_member(t.shared, t.bob, t.bob)
    assert await t.found(t.bob) == {"dm-ann-bob", "dm-bob-cy"}


async def test_words_phrases_prefixes_and_diacritics_match_like_a_person_expects(
    store: Store,
) -> None:
    t = Three(store)
    await store.rooms().enter(t.shared, t.ann, limit=10)
    texts = {
        "accent": f"Un Café crème {t.word}",
        "phrase": f"the release notes are out {t.word}",
        "apart": f"notes about the release {t.word}",
        "prefix": f"we deployed it {t.word}",
    }
    for label, text in texts.items():
        message = StoredMessage(id=unique(label), author=t.ann, text=text, ts=now(), room=t.shared)
        t.texts[label] = (await store.save_message(message))[0].id

    assert await t.found(t.ann, f"cafe CREME {t.word}") == {"accent"}
    assert await t.found(t.ann, f'"release notes" {t.word}') == {"phrase"}
    assert await t.found(t.ann, f"notes release {t.word}") == {"phrase", "apart"}
    assert await t.found(t.ann, f"deploy* {t.word}") == {"prefix"}
    assert await t.found(t.ann, f"deploy {t.word}") == set()  # a word matches whole
    # FTS syntax in a query is only punctuation: a search, never an error.
    for hostile in ('NEAR(a b) OR "', "col:umn - ^x", "a' OR 1=1 --", '"unclosed', "(*)&|!:"):
        query = Query.parse(f"{hostile} {t.word}")
        await store.search(t.ann, query)


async def test_relevance_puts_the_closest_match_first_and_recent_the_newest(
    store: Store,
) -> None:
    t = Three(store)
    await store.rooms().enter(t.shared, t.ann, limit=10)
    texts = [
        f"{t.word} once, among many other unrelated words of a long sentence here",
        f"{t.word} {t.word} {t.word} three times",
        f"{t.word} twice and {t.word}",
    ]
    for n, text in enumerate(texts):
        message = StoredMessage(
            id=unique(f"r{n}"), author=t.ann, text=text, ts=now(), room=t.shared
        )
        t.texts[f"r{n}"] = (await store.save_message(message))[0].id
    query = Query.parse(t.word)
    best = await store.search(t.ann, query, sort="relevance")
    assert next(m.id for m in best) == t.texts["r1"]
    assert [m.id for m in best][-1] == t.texts["r0"]
    recent = await store.search(t.ann, query)
    assert [m.id for m in recent] == [t.texts["r2"], t.texts["r1"], t.texts["r0"]]
    # Newest-first pages: before the last hit of one page comes the next.
    first = await store.search(t.ann, query, limit=2)
    rest = await store.search(t.ann, query, limit=2, before=first[-1].id)
    assert [m.id for m in first + rest] == [m.id for m in recent]
    assert await store.search(t.ann, query, before="no-such-message") == []


async def test_the_index_follows_edits_and_deletes_in_their_transaction(store: Store) -> None:
    t = Three(store)
    await store.rooms().enter(t.shared, t.ann, limit=10)
    stored = await t.say("edited", t.ann, room=t.shared)
    other = unique("x").replace("-", "")
    edit = Change(id=unique("c"), message=stored.id, actor=t.ann, kind="edit", ts=now(), text=other)
    await store.change_message(edit)
    assert await t.found(t.ann) == set()  # the old word is gone from the index
    assert await t.found(t.ann, other) == {"edited"}
    delete = Change(id=unique("c"), message=stored.id, actor=t.ann, kind="delete", ts=now())
    await store.change_message(delete)
    assert await t.found(t.ann, other) == set()


async def test_history_around_a_message_shows_it_in_its_context(store: Store) -> None:
    room = unique("r")
    ids = []
    for n in range(9):
        message = StoredMessage(id=unique(f"m{n}"), author="ann", text=f"m{n}", ts=now(), room=room)
        ids.append((await store.save_message(message))[0].id)
    page = await store.room_messages(room, around=ids[4], limit=4)
    assert [m.id for m in page] == ids[2:6]  # two older, the message, one newer
    page = await store.room_messages(room, around=ids[0], limit=4)
    assert [m.id for m in page] == ids[0:4]
    assert await store.room_messages(room, around="nope", limit=4) == []


async def test_an_upload_is_its_owners_until_a_message_shows_it_where_it_is(store: Store) -> None:
    ann, bob, cy = unique("ann"), unique("bob"), unique("cy")
    room = unique("r")
    await store.rooms().enter(room, ann, limit=10)
    await store.rooms().enter(room, bob, limit=10)
    uploads = store.uploads()
    made = await uploads.add(New(ann, "a.txt", "text/plain", b"hello"), quota=1000)
    assert await uploads.visible(made.id, ann) == made
    assert await uploads.visible(made.id, bob) is None
    with pytest.raises(UserError) as refused:
        await uploads.attachable([made.id], bob)  # not bob's to attach
    assert refused.value.code == "invalid"

    files = tuple(await uploads.attachable([made.id], ann))
    message = StoredMessage(
        id=unique("m"), author=ann, text="", ts=now(), room=room, attachments=files
    )
    stored, _ = await store.save_message(message)
    assert [a.id for a in stored.attachments] == [made.id]
    assert (await store.room_messages(room))[0].attachments == files
    assert await uploads.visible(made.id, bob) is not None
    assert await uploads.visible(made.id, cy) is None  # not a member
    with pytest.raises(UserError):
        await uploads.attachable([made.id], ann)  # shown once, where it is

    delete = Change(id=unique("c"), message=stored.id, actor=ann, kind="delete", ts=now())
    await store.change_message(delete)
    assert await uploads.visible(made.id, bob) is None  # its message is gone
    assert await uploads.visible(made.id, ann) is not None


async def test_a_users_uploads_stay_within_their_quota(store: Store) -> None:
    ann = unique("ann")
    uploads = store.uploads()
    await uploads.add(New(ann, "a", "application/octet-stream", b"x" * 600), quota=1000)
    with pytest.raises(UserError) as refused:
        await uploads.add(New(ann, "b", "application/octet-stream", b"x" * 401), quota=1000)
    assert refused.value.code == "quota"
    assert await uploads.used(ann) == 600
    await uploads.add(New(ann, "c", "application/octet-stream", b"x" * 400), quota=1000)
    assert await uploads.used(ann) == 1000
