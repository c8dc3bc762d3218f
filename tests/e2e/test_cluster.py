"""`make run-cluster`'s layout (PostgreSQL, Redis, nginx, two of each server): the handoff in a real browser,
with the child on one web app instance and the counsellor on the other."""
import os
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from bot.cluster import Layout, start_cluster
from tests.e2e.conftest import add_user
from tests.e2e.test_web_browser import browser, open_chat, risk_message_to_counsellor_and_back, sign_in  # noqa: F401

LAYOUT = Layout()


@pytest.fixture(scope="module")
def cluster():
    # Not under pytest's own temporary folder: PostgreSQL's user must be able to reach its data inside.
    workdir = Path(tempfile.mkdtemp(prefix="cluster-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    servers = start_cluster(workdir, LAYOUT, extra_env={"COUNSELLOR_HOURS": "00:00-00:00",
                                                        "BOT_VAR_DIR": str(workdir)})
    yield servers
    servers.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def test_nginx_answers_for_the_web_apps_and_the_rasa_servers(cluster):
    assert httpx.get(LAYOUT.web_url() + "/healthz").json() == {"ok": True}
    replies = [httpx.post(f"http://127.0.0.1:{LAYOUT.rasa_front}/webhooks/rest/webhook",
                          json={"sender": "cluster-check", "message": text}, timeout=60).json()
               for text in ("hi", "should i pay him")]
    assert all(replies)


def test_a_counsellor_on_one_instance_takes_a_child_on_the_other_in_the_browser(cluster, browser):  # noqa: F811
    name = add_user(LAYOUT.database_url)
    child = open_chat(browser, LAYOUT.web_url(0))
    counsellor = sign_in(browser, LAYOUT.web_url(1), name)
    try:
        risk_message_to_counsellor_and_back(child, counsellor)
    finally:
        child.context.close()
        counsellor.context.close()
