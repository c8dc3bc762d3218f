"""Rasa run through bot/rasa_server.py: its faster check of the action server's answers accepts and refuses exactly
what jsonschema.validate does, with the schema Rasa uses; and no telemetry or crash report leaves for Rasa."""

import os
import subprocess
import sys

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


def telemetry_on(tmp_path, *lines: str) -> bool:
    """Whether Rasa would send telemetry and crash reports, asked in a process of its own with no setting at all."""
    script = "\n".join(
        [
            *lines,
            "import rasa.telemetry",
            "rasa.telemetry.initialize_telemetry()",
            "print(rasa.telemetry.is_telemetry_enabled())",
        ]
    )
    env = {**{k: v for k, v in os.environ.items() if k != "RASA_TELEMETRY_ENABLED"}, "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return result.stdout.strip().splitlines()[-1] == "True"


def test_rasa_sends_no_telemetry_and_no_crash_report_even_when_nobody_said_so(tmp_path):
    assert telemetry_on(tmp_path), "Rasa no longer sends telemetry unless asked: the fix in bot/rasa_server.py can go"
    assert not telemetry_on(tmp_path, "from bot.rasa_server import apply_fixes", "apply_fixes()")


def test_an_api_token_that_starts_with_a_dash_reaches_rasa_whole(tmp_path):
    # secrets.token_urlsafe starts with "-" one time in 64: given as a separate word, argparse took it for an option
    from rasa.__main__ import create_argument_parser

    from bot.launch import rasa_server

    server = rasa_server(
        5005, 5055, "-starts-with-a-dash", tmp_path / "model.tar.gz", tmp_path / "endpoints.yml", env={}, log_file=None
    )
    arguments = create_argument_parser().parse_args(server.command[3:])
    assert arguments.auth_token == "-starts-with-a-dash"
