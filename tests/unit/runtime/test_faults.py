"""PARLEY_FAULTS: the grammar, its error messages, and what a rule injects."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runtime.faults import Faults, FaultSpecError, InjectedFault, faults_for, parse
from runtime.settings import Settings


def test_rules_per_function_with_a_wildcard_default() -> None:
    spec = "chat:fail=0.2,delay=50ms; *:delay=1.5s,seed=7 ;presence:slow=0.5"
    assert parse(spec) == {
        "chat": {"fail": 0.2, "delay": 0.05},
        "*": {"delay": 1.5, "seed": 7},
        "presence": {"slow": 0.5},
    }
    chat = faults_for(spec, "chat")
    assert (chat.fail, chat.delay, chat.seed) == (0.2, 0.05, 7)  # named key wins over "*"
    assert faults_for(spec, "bot").delay == 1.5
    assert not faults_for("", "chat").active
    assert not faults_for("chat:fail=0.5", "private").active


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("chat", "expected 'function:fail=0.2"),
        ("chat:", "expected 'function:fail=0.2"),
        ("chat:boom=1", "keys are delay, fail, seed, slow"),
        ("chat:fail=1.5", "a rate between 0 and 1"),
        ("chat:fail=often", "a rate between 0 and 1"),
        ("chat:delay=50", "use 50ms or 1.5s"),
        ("chat:seed=x", "use an integer"),
    ],
)
def test_a_bad_spec_names_the_part_and_the_form(spec: str, says: str) -> None:
    with pytest.raises(FaultSpecError, match=says):
        parse(spec)
    with pytest.raises(ValidationError, match=says):
        Settings(faults=spec)


async def test_fail_rate_splits_between_before_and_after_the_handler() -> None:
    faults = Faults(fail=0.5, seed=3)
    outcomes = {"before": 0, "after": 0, "ok": 0}
    for _ in range(2000):
        try:
            if await faults.before("chat"):
                faults.after("chat")
            outcomes["ok"] += 1
        except InjectedFault as exc:
            outcomes["before" if "before" in str(exc) else "after"] += 1
    assert 900 < outcomes["ok"] < 1100
    assert 400 < outcomes["before"] < 600
    assert 400 < outcomes["after"] < 600


async def test_same_seed_same_sequence() -> None:
    async def run() -> list[bool]:
        faults, seen = Faults(fail=0.3, seed=11), []
        for _ in range(50):
            try:
                seen.append(not await faults.before("x"))
            except InjectedFault:
                seen.append(False)
        return seen

    assert await run() == await run()
