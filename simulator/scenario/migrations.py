"""Scenario files from older schema versions, brought up to date step by step.

Every schema change bumps ``scenario.SCHEMA_VERSION``, adds a step here that turns a version-``n``
mapping into version ``n + 1`` (returning a notice for the user), and commits a fixture written in
version ``n`` under ``tests/fixtures/schema_v<n>/``; ``tests/test_migrations.py`` loads every fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = Callable[[dict[str, Any]], tuple[dict[str, Any], str]]

def _v1_to_v2(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Version 2 added the decision questionnaire; a version-1 file has it unanswered."""
    return data, "added the decision questionnaire, unanswered (answer it on the Decision page)"


def _v2_to_v3(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Version 3 lets any input be a range and adds Monte Carlo settings; a version-2 file has none."""
    return data, "inputs can now be ranges (none set: every number stays a point value)"


# version n -> the function that upgrades a version-n mapping to version n + 1
STEPS: dict[int, Step] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(data: dict[str, Any], target: int, steps: dict[int, Step] = STEPS) -> tuple[dict[str, Any], list[str]]:
    """Upgrade ``data`` to ``target`` through every step; returns the mapping and the notices.

    A version with no step to the next one (or not an integer) is left alone: validation then
    reports the version with a clear message.
    """
    notices: list[str] = []
    version = data.get("schema_version")
    while isinstance(version, int) and not isinstance(version, bool) and version < target and version in steps:
        data, notice = steps[version](dict(data))
        version += 1
        data["schema_version"] = version
        notices.append(f"upgraded from schema version {version - 1} to {version}: {notice}")
    return data, notices
