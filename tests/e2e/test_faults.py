"""Parts failing under a running conversation: the child still gets help, and it recovers."""
from bot import launch
from bot.store.migrate import upgrade
from tests.e2e.conftest import Chat

RASA_PORT, ACTION_PORT = 5120, 5170
CHILD_DONT_PAY = "Do not give them money."


def test_the_action_server_killed_mid_conversation_and_back(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(database_url)
    servers = launch.start_servers(rasa_port=RASA_PORT, action_port=ACTION_PORT, log_dir=tmp_path / "logs",
                                   token="test-token", extra_env={"DATABASE_URL": database_url,
                                                                  "BOT_VAR_DIR": str(tmp_path)})
    try:
        chat = Chat(servers.rasa_url)
        chat.reply("hi")
        actions = servers.server("action server")
        actions.process.kill()
        actions.process.wait()

        # Without the action server the safety points still come.
        assert "Do not pay" in chat.reply("he wants money or he sends my pics. should i pay him")
        assert "999" in chat.reply("i want to kill myself")

        actions.restart()
        launch.wait_until_up(actions.health_url, [actions.process], timeout=120)
        other = Chat(servers.rasa_url)
        other.reply("hi")
        other.reply("im 12")  # the action server turns the age into an age band again
        assert CHILD_DONT_PAY in other.reply("should i pay him")
    finally:
        servers.stop()
