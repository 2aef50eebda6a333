"""``parley apikey create|revoke|list``: the API keys of services calling the gRPC API.

    parley apikey create ticketing --scope publish,read    # prints the key, once
    parley apikey revoke ticketing                         # every key of ticketing stops working
    parley apikey list

The key is printed once and only its SHA-256 is stored (``runtime.db.apikeys``). A service posts
under its key's name, so name it after the service (a username: 1-32 of ``A-Z a-z 0-9 _ . -``).
"""

from __future__ import annotations

import argparse
import asyncio

from pydantic import TypeAdapter, ValidationError

from runtime.db.apikeys import SCOPES
from runtime.db.store import Store
from runtime.errors import UserError
from runtime.events import Username
from runtime.settings import Settings

_NAME: TypeAdapter[str] = TypeAdapter(Username)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    apikey = commands.add_parser("apikey", help="create, revoke or list gRPC API keys")
    apikey.add_argument("action", choices=["create", "revoke", "list"])
    apikey.add_argument("name", nargs="?", help="the service's name (it posts under it)")
    apikey.add_argument(
        "--scope",
        action="append",
        default=[],
        help=f"what the key may do: {', '.join(SCOPES)} (comma-separated or repeated)",
    )
    apikey.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action != "list":
        if not args.name:
            raise UserError("invalid", f"parley apikey {args.action} NAME: name the service")
        try:
            _NAME.validate_python(args.name)
        except ValidationError:
            raise UserError(
                "invalid", f"{args.name!r} is not a valid name: use 1-32 of A-Z a-z 0-9 _ . -"
            ) from None
    print(asyncio.run(_run(args, settings)))
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> str:
    async with Store(settings.database_url()) as store:
        await store.migrate()
        keys = store.api_keys()
        if args.action == "create":
            return await keys.create(args.name, args.scope or ["publish,read"])
        if args.action == "revoke":
            return f"revoked {await keys.revoke(args.name)} key(s) of {args.name}"
        rows = await keys.names()
        lines = [f"{name}  {scopes}  ({n} key{'s' * (n != 1)})" for name, scopes, n in rows]
        return "\n".join(lines) or "no API keys"
