"""Each lecture experiment runs once per test session in fast mode (seed 0); the tests read its Result."""
from __future__ import annotations

import pytest

from chainrule.lecture import run_topic


@pytest.fixture(scope="session")
def lecture(tmp_path_factory):
    """``lecture("gates")`` -> the topic's Result (run on first use, then cached for the session)."""
    results = {}
    root = tmp_path_factory.mktemp("lecture")

    def get(topic):
        if topic not in results:
            results[topic] = run_topic(topic, root / topic, fast=True, seed=0)
        return results[topic]
    return get
