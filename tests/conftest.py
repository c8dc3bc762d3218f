"""Shared pytest configuration for the whole test suite."""

import os
import tempfile
from pathlib import Path

import pytest
import yaml

from tests import early_start

pytest_plugins = ["tests.postgres_server"]

# Nothing a test does in this process may read or write the project's own var/ (a developer's
# database, published-content snapshot and keys): the settings default to a fresh folder instead.
os.environ.setdefault("BOT_VAR_DIR", tempfile.mkdtemp(prefix="bot-var-"))

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_summaries: list[str] = []


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(items):
    """End-to-end tests last, and their slow servers started meanwhile (see tests/early_start.py)."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))
    early_start.begin_for({name for item in items for name in item.fixturenames})


def pytest_sessionfinish():
    early_start.stop_untaken()


@pytest.fixture
def record_summary():
    """Figures a test wants printed at the end of the run (accuracy, confusions)."""
    return _summaries.append


def pytest_terminal_summary(terminalreporter):
    for summary in _summaries:
        terminalreporter.write_sep("-", "figures")
        terminalreporter.write_line(summary)


@pytest.fixture(scope="session")
def domain_intents() -> list[str]:
    with open(PROJECT_ROOT / "domain" / "core.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["intents"]
