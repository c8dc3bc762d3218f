"""The Rasa server's faster check of the action server's answers (bot/rasa_server.py) accepts and refuses exactly
what jsonschema.validate does, with the schema Rasa uses."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.rasa_server import validate_with_a_built_validator

SCHEMA = RemoteAction.action_response_format_spec()
ANSWERS = [
    {"events": [{"event": "slot", "name": "country", "value": "uk"}], "responses": []},
    {"events": [], "responses": [{"text": "hi"}]},
    {},
    {"events": "not a list"},
    {"events": [{"no event": 1}]},
    {"responses": [{"text": 5}]},
    [],
    "text",
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_it_accepts_and_refuses_what_jsonschema_validate_does(answer):
    def outcome(validate):
        try:
            validate(answer, RemoteAction.action_response_format_spec())
        except jsonschema.ValidationError as error:
            return error.message, list(error.path)
        return "valid"

    assert outcome(validate_with_a_built_validator) == outcome(jsonschema.validate)


def test_an_invalid_schema_is_still_refused():
    with pytest.raises(jsonschema.SchemaError):
        validate_with_a_built_validator({}, {"type": "no such type"})


def test_the_rasa_server_runs_rasa_with_the_fix():
    from bot import launch

    server = launch.rasa_server(5999, 5998, "t", launch.settings.MODEL_PATH, launch.settings.PROJECT_ROOT, {}, None)
    assert server.command[1:4] == ["-m", "bot.rasa_server", "run"]
