"""Declared actions: what @on_action describes, and the client frame schema it publishes."""

from __future__ import annotations

from pathlib import Path

import fastjsonschema
import pytest

from gateway.protocol.actions import Actions
from gateway.protocol.inbound import Refusal
from runtime import Action, Context, Delivery, Room, Text, on_action
from runtime.actions import client_schema
from runtime.engine.discovery import load
from runtime.errors import DiscoveryError
from runtime.registry import describe
from runtime.settings import Settings


class Shout(Action):
    room: Room
    text: Text


class Wave(Action):  # no room: keyed by the sender
    to: str


@on_action("shout", retries=2)
async def shout(event: Shout, ctx: Context) -> Delivery:
    return Delivery(room=event.room, frame={"type": "shout", "text": event.text.upper()})


@on_action("wave")
async def wave(event: Wave, ctx: Context) -> None:
    return None


def test_on_action_binds_the_type_topic_and_options() -> None:
    assert shout.topics == ("chat.action.shout",)
    assert shout.trigger == "on_action(shout)"
    (model,) = shout.models
    assert (model.type, model.topic) == ("shout", "chat.action.shout")
    assert issubclass(model, Shout)
    assert shout.options.start == "earliest"  # an action acked before the first worker is handled
    assert shout.options.retries == 2


def test_an_action_is_keyed_by_its_room_else_by_its_sender() -> None:
    (shouted,) = shout.models
    (waved,) = wave.models
    assert shouted.model_validate({"room": "lobby", "text": "hi", "user": "ada"}).key() == "lobby"
    assert waved.model_validate({"to": "grace", "user": "ada"}).key() == "ada"


@pytest.mark.parametrize("name", ["message", "join", "typing", "ping", "ack", "error"])
def test_a_built_in_frame_type_cannot_be_declared(name: str) -> None:
    with pytest.raises(ValueError, match="built-in frame type"):
        on_action(name)


@pytest.mark.parametrize("name", ["", "Shout", "1up", "a-b", "x" * 33])
def test_an_action_name_is_a_short_lowercase_word(name: str) -> None:
    with pytest.raises(ValueError, match="lowercase"):
        on_action(name)


def test_discovery_names_the_file_that_redeclares_a_built_in_type(tmp_path: Path) -> None:
    path = tmp_path / "hijack.py"
    path.write_text(
        "from runtime import Action, Context, Room, on_action\n\n"
        "class Hijack(Action):\n    room: Room\n\n"
        "@on_action('message')\nasync def hijack(event: Hijack, ctx: Context) -> None: ...\n"
    )
    with pytest.raises(DiscoveryError, match="'message' is a built-in frame type") as caught:
        load(path)
    assert caught.value.path == path


def test_the_first_parameter_must_be_an_action_subclass() -> None:
    async def plain(event: str, ctx: Context) -> None: ...

    with pytest.raises(TypeError, match="annotate its first parameter"):
        on_action("plain")(plain)


def test_the_client_schema_leaves_out_what_the_server_sets_and_requires_a_client_id() -> None:
    (model,) = shout.models
    assert issubclass(model, Action)
    schema = client_schema(model)
    assert set(schema["properties"]) == {"type", "room", "text", "client_id"}
    assert schema["required"] == ["client_id", "room", "text", "type"]
    assert schema["additionalProperties"] is False
    check = fastjsonschema.compile(schema)
    check({"type": "shout", "room": "lobby", "text": "hi", "client_id": "c1"})
    for bad in (
        {"type": "shout", "room": "lobby", "text": "hi"},  # no client_id
        {"type": "shout", "room": "Lobby!", "text": "hi", "client_id": "c1"},
        {"type": "shout", "room": "lobby", "text": "   ", "client_id": "c1"},  # blank text
        {"type": "shout", "room": "lobby", "text": "hi", "client_id": "c1", "extra": 1},
    ):
        with pytest.raises(fastjsonschema.JsonSchemaValueException):
            check(bad)


def test_the_gateway_checks_frames_against_the_registry_descriptors() -> None:
    actions = Actions()
    actions.update({"shout": describe(shout, Settings())})
    declared = actions.get("shout")
    assert declared is not None
    assert declared.has_room
    frame = {"type": "shout", "room": "lobby", "text": "hi", "client_id": "c1"}
    assert declared.check(frame) == frame
    with pytest.raises(Refusal, match="user is set by the server") as spoof:
        declared.check({**frame, "user": "grace"})
    assert (spoof.value.code, spoof.value.client_id) == ("invalid", "c1")
    with pytest.raises(Refusal, match="invalid shout frame: room"):
        declared.check({**frame, "room": "Lobby!"})
    actions.update({})  # the function was withdrawn
    assert actions.get("shout") is None


def test_each_schema_is_compiled_once() -> None:
    actions = Actions()
    descriptor = describe(shout, Settings())
    actions.update({"shout": descriptor})
    first = actions.get("shout")
    actions.update({"shout": descriptor, "wave": describe(wave, Settings())})
    again = actions.get("shout")
    assert first is not None
    assert again is not None
    assert again.validate is first.validate
    assert actions.types() == ["shout", "wave"]


def test_a_batch_action_handler_takes_a_list_of_its_model() -> None:
    @on_action("shout", batch=20, window=0.1, match={"room": "lobby"})
    async def shout(events: list[Shout], ctx: Context) -> None:
        return None

    [model] = shout.models
    assert issubclass(model, Shout)
    assert model.type == "shout"
    assert (shout.options.batch, shout.options.match) == (20, {"room": "lobby"})
