"""Rasa's own command line with two fixes applied first: `python -m bot.rasa_server run ...` is `rasa run ...`
(and `make train`, `make validate` and `make test-stories` run Rasa through it too).

Telemetry off, whatever the environment says. Unless RASA_TELEMETRY_ENABLED is "false", Rasa 3.6 sends usage events
to Segment and starts Sentry with the key its package ships, so that a crash, whose message could hold a child's
words, would go to Rasa's Sentry account. Every Rasa command here runs through this module (the launcher, the
cluster, the Makefile, the Kubernetes manifest), so this is the one place that turns it off. Nothing about a child
leaves the service.

Faster checks of the action server's answers. Rasa 3.6 checks every answer from the action server with
`jsonschema.validate(answer, schema)`. That function checks the schema itself against the JSON Schema meta-schema
before it checks the answer, on every call. Rasa calls it at least once per message (`action_validate_slot_mappings`
runs after every message). Measured here: 20 to 35 ms a message, about a quarter of Rasa's own time per turn (the
profile in docs/benchmarks.md). Building the validator once per schema makes it 0.4 ms. It raises the same errors
for the same answers (tests/test_rasa_server.py).
"""

import functools
import json
import os
import sys

import jsonschema
from jsonschema.exceptions import best_match

_validate = jsonschema.validate


@functools.lru_cache(maxsize=32)
def _validator(schema_json: str):
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on each call
    return cls(schema)


def validate_with_a_built_validator(instance, schema, cls=None, *args, **kwargs) -> None:
    """jsonschema.validate, with the validator for each schema built once; other uses go to the original."""
    if cls is not None or args or kwargs:
        return _validate(instance, schema, cls, *args, **kwargs)
    error = best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(instance))
    if error is not None:
        raise error


def apply_fixes() -> None:
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    jsonschema.validate = validate_with_a_built_validator  # Rasa imports it by name inside each call


def main() -> None:
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    sys.exit(rasa_main())


if __name__ == "__main__":
    main()
