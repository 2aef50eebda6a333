"""``GET /api/search`` (docs/PROTOCOL.md 1.9): full-text search over the messages you may see.

The query is parsed (``runtime.db.search.Query``), never passed to the database's engine as
typed: a query that holds no word is ``422``, any other is a search.
"""

from __future__ import annotations

from quart import Blueprint
from quart_schema import security_scheme

from gateway.http import schemas as s
from gateway.http.api import BEARER, ApiError, caller
from gateway.http.schemas import query, returns
from gateway.resources import Resources
from runtime.db.search import Query


def search(res: Resources) -> Blueprint:
    """The search blueprint over ``res``."""
    api = Blueprint("search", __name__, url_prefix="/api")

    @api.get("/search")
    @security_scheme(BEARER)
    @query(s.SearchQuery)
    @returns(s.Found)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 404)
    @returns(s.ErrorBody, 422)
    async def find(query_args: s.SearchQuery) -> s.Found:
        """Messages you may see (rooms you are a member of, your conversations) whose text
        has every term of ``q``, newest first; each with ``highlight``, its text in segments,
        the matched words marked. ``404`` for a ``room`` you are not a member of."""
        me, args = caller(res), query_args
        try:
            terms = Query.parse(args.q)
        except ValueError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        if args.room is not None and args.with_ is not None:
            raise ApiError(422, "invalid", "search one room or one conversation, not both")
        if args.sort == "relevance" and args.before is not None:
            raise ApiError(422, "invalid", "before pages the newest-first order (sort=recent)")
        if args.room is not None and await res.rooms.role(args.room, me) is None:
            raise ApiError(404, "not_found", f"you are not a member of a room {args.room!r}")
        # Names in any case mean the account; an author may also be a function (no account).
        other = args.with_ and (await res.people.find(args.with_) or args.with_)
        author = args.author and (await res.people.find(args.author) or args.author)
        found = await res.store.search(
            me,
            terms,
            room=args.room,
            other=other,
            author=author,
            before=args.before,
            limit=args.limit,
            sort=args.sort,
        )
        return s.Found(
            messages=[
                {**m.frame(), "highlight": [vars(part) for part in terms.highlight(m.text)]}
                for m in found
            ]
        )

    return api
