"""The short soak of `make test` (`make soak` runs the long one): 20 child conversations for 30 s through the web app,
some of them dropping and reopening their connection; every message stored and answered exactly once."""

import asyncio

from benchmarks.soak import soak

CONVERSATIONS = 20
SECONDS = 30
# This session's web app keeps its default limits (8 messages a chat in 10 s, 120 an address in a minute): each
# child sends at most one message every 1.4 s, from its own loopback address, as children at home do.
MIN_INTERVAL = 1.4


def test_a_short_soak_stores_and_answers_every_message_exactly_once(assistant, web_url):
    web_app = assistant.server("web app")
    report = asyncio.run(
        soak(
            web_url,
            assistant.database_url,
            CONVERSATIONS,
            SECONDS,
            web_pid=web_app.process.pid,
            web_log=web_app.log_file,
            min_interval=MIN_INTERVAL,
            own_addresses=True,
            reconnecting_share=0.25,
            seed=7,
        )
    )
    print(report.text())
    totals = report.totals
    assert totals["sent"] >= CONVERSATIONS * 5, report.text()  # it really ran
    assert totals["reconnects"] >= 2, report.text()  # and some pages really dropped and came back
    assert report.lost == 0, report.text()
    assert report.duplicated == 0, report.text()
    assert report.unanswered == 0, report.text()
    assert totals["stored"] == totals["sent"] and totals["answered"] == totals["sent"], report.text()
    assert totals["out_of_order"] == 0 and totals["altered"] == 0 and totals["phantom"] == 0, report.text()
    assert report.ok, report.text()
