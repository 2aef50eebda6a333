"""The gateway's HTTP request class: JSON bodies read strictly (``gateway.protocol.jsontext``).

Quart's own ``get_json`` turns a body that is not UTF-8, or nests too deeply, into a 500;
here each is a ``400 BadRequest`` whose description says what is wrong, which the app answers
as ``422 invalid`` (docs/PROTOCOL.md 1.5), like any other body that is not JSON.
"""

from __future__ import annotations

from typing import Any

from quart.wrappers import Request
from werkzeug.exceptions import BadRequest

from gateway.protocol.jsontext import BadJson, decode, parse


class StrictRequest(Request):
    """A request whose JSON body is UTF-8, parseable and free of lone surrogates, or a 400."""

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if cache and self._cached_json[silent] is not Ellipsis:
            return self._cached_json[silent]
        if not (force or self.is_json):
            return None
        try:
            data = await self.get_data(cache, False, False)
            result = parse(decode(data))
        except BadJson as exc:
            if not silent:
                raise BadRequest(f"the body: {exc}") from None
            result = None
        if cache:
            self._cached_json[silent] = result
        return result
