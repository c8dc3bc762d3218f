"""The bot keeps answering with the published content while its PostgreSQL database is stopped."""

import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot import launch
from bot.content import workflow
from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from tests import early_start
from tests.e2e.conftest import RASA_PORT, Chat
from tests.postgres_server import StoppableServer, stoppable_postgres_server

PUBLISHED = "Do not pay them, not even a little. Paying almost never makes it stop."


def publish_new_dont_pay(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            workflow.import_bundle(session)
            author = users.create_user(session, "author", "staff", "a long test password 1")
            reviewer = users.create_user(session, "reviewer", "staff", "a long test password 1")
        with session_scope(engine) as session:
            version_id = workflow.open_change(session, author.id, "response", "utter_dont_pay")
            draft = session.get(workflow.ContentVersion, version_id)
            assert draft is not None  # open_change just made it
            variants = workflow.body_of(draft)
            variants[0]["text"] = PUBLISHED  # the variant for everyone who has not said their age
            assert workflow.save_draft(session, author.id, version_id, variants, "test") == []
            workflow.submit(session, author.id, version_id)
            workflow.approve(session, reviewer.id, version_id)
            workflow.publish(session, reviewer.id, version_id)
    finally:
        engine.dispose()


def endpoints_without_tracker_store(workdir: Path) -> Path:
    """The project's endpoints, with Rasa's trackers in memory: this test is about the content only."""
    with open("endpoints.yml", encoding="utf-8") as handle:
        endpoints = yaml.safe_load(handle)
    endpoints.pop("tracker_store")
    path = workdir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


@dataclass
class RasaOnPostgres:
    """A Rasa server reading the content published on a PostgreSQL server of its own."""

    postgres: StoppableServer
    rasa_url: str
    workdir: Path
    stop: Callable[[], None]


@early_start.register("rasa_on_postgres")
def start_rasa_on_postgres() -> RasaOnPostgres:
    workdir = Path(tempfile.mkdtemp(prefix="content-outage-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        postgres = cleanup.enter_context(stoppable_postgres_server())
        database_url = postgres.create_database()
        upgrade(database_url)
        publish_new_dont_pay(database_url)
        servers = launch.start_servers(
            rasa_port=RASA_PORT + 3,
            with_action_server=False,
            log_dir=workdir / "logs",
            token="test-token",
            endpoints=endpoints_without_tracker_store(workdir),
            extra_env={
                "DATABASE_URL": database_url,
                "BOT_VAR_DIR": str(workdir),
                "CONTENT_SNAPSHOT_FILE": str(workdir / "snapshot.json"),
            },
        )
        cleanup.callback(servers.stop)
        return RasaOnPostgres(postgres, servers.rasa_url, workdir, stop=cleanup.pop_all().close)


@pytest.fixture(scope="module")
def rasa_on_postgres():
    yield from early_start.serve("rasa_on_postgres")


def test_published_content_keeps_coming_while_postgresql_is_stopped(rasa_on_postgres):
    assert PUBLISHED in Chat(rasa_on_postgres.rasa_url).reply("should i pay him")
    rasa_on_postgres.postgres.stop()
    for question in ("should i pay him", "should i pay them"):
        assert PUBLISHED in Chat(rasa_on_postgres.rasa_url).reply(question)
    assert (rasa_on_postgres.workdir / "snapshot.json").exists()  # where a restart would start from
