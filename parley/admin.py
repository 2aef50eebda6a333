"""``parley admin grant|revoke|list``: the server admins (the Ops page, ``/api/functions``).

    parley admin grant ada      # any case: the account as registered is meant
    parley admin revoke ada
    parley admin list

The first account registered is an admin from the start.
"""

from __future__ import annotations

import argparse
import asyncio

from runtime.db.store import Store
from runtime.errors import UserError
from runtime.settings import Settings


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = commands.add_parser("admin", help="grant, revoke or list server admins")
    admin.add_argument("action", choices=["grant", "revoke", "list"])
    admin.add_argument("user", nargs="?", help="the username (any case)")
    admin.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action != "list" and not args.user:
        raise UserError("invalid", f"parley admin {args.action} USER: name the user")
    print(asyncio.run(_run(args, settings)))
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> str:
    async with Store(settings.database_url()) as store:
        await store.migrate()
        people = store.people()
        if args.action == "list":
            return "\n".join(await people.admins()) or "no server admins"
        granted = args.action == "grant"
        username = await people.set_admin(args.user, granted)
        return f"{username} {'is' if granted else 'is no longer'} a server admin"
