"""The bot keeps answering with the published content while its PostgreSQL database is stopped."""

import yaml

from bot import launch
from bot.content import workflow
from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from tests.e2e.conftest import RASA_PORT, Chat
from tests.postgres_server import stoppable_postgres_server

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
            variants = workflow.body_of(session.get(workflow.ContentVersion, version_id))
            variants[0]["text"] = PUBLISHED  # the variant for everyone who has not said their age
            assert workflow.save_draft(session, author.id, version_id, variants, "test") == []
            workflow.submit(session, author.id, version_id)
            workflow.approve(session, reviewer.id, version_id)
            workflow.publish(session, reviewer.id, version_id)
    finally:
        engine.dispose()


def endpoints_without_tracker_store(tmp_path):
    """The project's endpoints, with Rasa's trackers in memory: this test is about the content only."""
    with open("endpoints.yml", encoding="utf-8") as handle:
        endpoints = yaml.safe_load(handle)
    endpoints.pop("tracker_store")
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def test_published_content_keeps_coming_while_postgresql_is_stopped(tmp_path):
    with stoppable_postgres_server() as postgres:
        database_url = postgres.create_database()
        upgrade(database_url)
        publish_new_dont_pay(database_url)
        servers = launch.start_servers(
            rasa_port=RASA_PORT + 3, with_action_server=False, log_dir=tmp_path / "logs", token="test-token",
            endpoints=endpoints_without_tracker_store(tmp_path),
            extra_env={"DATABASE_URL": database_url, "BOT_VAR_DIR": str(tmp_path),
                       "CONTENT_SNAPSHOT_FILE": str(tmp_path / "snapshot.json")},
        )
        try:
            assert PUBLISHED in Chat(servers.rasa_url).reply("should i pay him")
            postgres.stop()
            for question in ("should i pay him", "should i pay them"):
                assert PUBLISHED in Chat(servers.rasa_url).reply(question)
            assert (tmp_path / "snapshot.json").exists()  # where a restart would start from
        finally:
            servers.stop()
