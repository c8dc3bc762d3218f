"""The action server failing under running conversations: the child still gets the help and the numbers from Rasa
alone, and the bot recovers when the server is back. (Rasa, PostgreSQL, Redis and a web app failing have their
own tests: test_web_chat.py, test_database_outage.py, test_content_outage.py, test_web_instances.py,
test_cluster.py.)"""

from bot import launch
from bot.content.facts import verified_contacts
from tests.e2e.conftest import Chat

FACTS = verified_contacts()
CHILD_DONT_PAY = "Do not give them money."

# (what the child said first, if anything; the message; what the answer must hold)
WITHOUT_ACTION_SERVER = [
    (None, "he wants 100 quid or he posts my pics", ["not your fault", "Do not pay"]),
    (None, "he wants money or he sends my pics. should i pay him", ["Do not pay"]),
    (None, "i want to kill myself", [FACTS["uk_999_phone"]]),
    (None, "how do i report this", [FACTS["uk_ceop_url"], FACTS["uk_999_phone"]]),
    ("i live in australia", "who can i call", [FACTS["au_kids_helpline_phone"]]),
    ("im in the states", "how do i report this", [FACTS["us_cybertipline_url"], FACTS["us_911_phone"]]),
]


def test_the_action_server_killed_mid_conversation_and_back(assistant):
    chat = Chat(assistant.rasa_url)
    chat.reply("hi")
    actions = assistant.server("action server")
    actions.process.kill()
    actions.process.wait()
    try:
        missing = []
        for first, message, expected in WITHOUT_ACTION_SERVER:
            talk = Chat(assistant.rasa_url) if first else chat
            if first:
                talk.say(first)
            reply = talk.reply(message)
            missing += [(message, text) for text in expected if text not in reply]
        assert not missing, f"without the action server these answers lacked: {missing}"
    finally:
        actions.restart()
        launch.wait_until_up(actions.health_url, [actions.process], timeout=120)

    other = Chat(assistant.rasa_url)
    other.reply("hi")
    other.reply("im 12")  # the action server turns the age into an age band again
    assert CHILD_DONT_PAY in other.reply("should i pay him")
