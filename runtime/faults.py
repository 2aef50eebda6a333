"""Fault injection: make functions fail or slow down on purpose, to prove the retries work.

    PARLEY_FAULTS="chat:fail=0.2,delay=50ms"           # every worker process reads it
    PARLEY_FAULTS="chat:fail=0.1;presence:delay=5ms,slow=0.5;*:seed=7"

One rule per function, rules separated by ``;``; ``*`` applies to every function (a named
rule wins over it, key by key). Keys:

- ``fail=P``: each attempt fails with probability P, at a random point: before the handler
  runs, or after it returned (its side effects done, its outputs not yet sent), so a retry
  must be idempotent to come out right.
- ``delay=D``: attempts wait D (``50ms``, ``1.5s``) before the handler runs;
  ``slow=P`` limits that to a fraction P of attempts (default 1).
- ``seed=N``: a reproducible random sequence.

An injected failure is an ordinary handler failure: counted, retried with backoff, and
dead-lettered after the handler's ``retries``.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field, fields

from runtime.errors import ParleyError


class FaultSpecError(ParleyError):
    """``PARLEY_FAULTS`` does not parse; the message names the part and the expected form."""


class InjectedFault(RuntimeError):
    """The failure ``fail=P`` injects."""

    def __init__(self, function: str, where: str) -> None:
        super().__init__(f"injected fault ({where} {function}) from PARLEY_FAULTS")


@dataclass(frozen=True)
class Faults:
    """The faults of one function. ``Faults()`` injects nothing and costs one branch."""

    fail: float = 0.0
    delay: float = 0.0
    slow: float = 1.0
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._random.seed(self.seed)

    @property
    def active(self) -> bool:
        return self.fail > 0 or self.delay > 0

    async def before(self, function: str) -> bool:
        """Run at the start of an attempt: maybe wait, maybe fail. Returns whether the attempt
        must fail after the handler (then call ``after``)."""
        if self.delay > 0 and self._random.random() < self.slow:
            await asyncio.sleep(self.delay)
        if self.fail > 0 and self._random.random() < self.fail:
            if self._random.random() < 0.5:
                raise InjectedFault(function, "before")
            return True
        return False

    @staticmethod
    def after(function: str) -> None:
        """The failure ``before`` decided on, once the handler returned (outputs not sent)."""
        raise InjectedFault(function, "after")


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")
_KEYS = {f.name for f in fields(Faults) if not f.name.startswith("_")}
_FORM = "expected 'function:fail=0.2,delay=50ms' rules separated by ';'"


def faults_for(spec: str, function: str) -> Faults:
    """The faults ``spec`` (the ``PARLEY_FAULTS`` value) sets for ``function``."""
    rules = parse(spec)
    merged = {**rules.get("*", {}), **rules.get(function, {})}
    return Faults(**merged)  # type: ignore[arg-type]


def parse(spec: str) -> dict[str, dict[str, float | int]]:
    """Validate ``spec``: function name -> its keys. Raises ``FaultSpecError`` naming the part."""
    rules: dict[str, dict[str, float | int]] = {}
    for rule in filter(None, (part.strip() for part in spec.split(";"))):
        name, colon, body = rule.partition(":")
        if not colon or not name.strip() or not body.strip():
            raise FaultSpecError(f"PARLEY_FAULTS: {rule!r}: {_FORM}")
        keys = rules.setdefault(name.strip(), {})
        for pair in body.split(","):
            key, equals, value = (s.strip() for s in pair.partition("="))
            if not equals or key not in _KEYS:
                raise FaultSpecError(
                    f"PARLEY_FAULTS: {pair.strip()!r} in {rule!r}: keys are "
                    f"{', '.join(sorted(_KEYS))}; {_FORM}"
                )
            keys[key] = _value(key, value, rule)
    return rules


def _value(key: str, value: str, rule: str) -> float | int:
    if key == "delay":
        match = _DURATION.match(value)
        if match is None:
            raise FaultSpecError(f"PARLEY_FAULTS: delay={value!r} in {rule!r}: use 50ms or 1.5s")
        amount = float(match.group(1))
        return amount / 1000 if match.group(2) == "ms" else amount
    if key == "seed":
        if not value.isdigit():
            raise FaultSpecError(f"PARLEY_FAULTS: seed={value!r} in {rule!r}: use an integer")
        return int(value)
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(
            f"PARLEY_FAULTS: {key}={value!r} in {rule!r}: a rate between 0 and 1, like 0.2"
        )
    return rate
