"""deploy/kubernetes.yaml cannot run here (no container engine), but it must not drift from the project: each
command it runs is a module the image has, Rasa's endpoints are the project's with the Redis lock store, and each
Service reaches a port its pods listen on."""

import importlib.util
from collections.abc import Iterator

import yaml

from tests.conftest import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "deploy" / "kubernetes.yaml"


def documents() -> list[dict]:
    with open(MANIFEST, encoding="utf-8") as handle:
        return [document for document in yaml.safe_load_all(handle) if document]


def pod_specs() -> Iterator[dict]:
    for document in documents():
        if document["kind"] == "Deployment":
            yield document["spec"]["template"]["spec"]
        elif document["kind"] == "CronJob":
            yield document["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_every_container_runs_a_module_of_the_image():
    commands = [container["command"] for spec in pod_specs() for container in spec["containers"]]
    assert len(commands) == 5  # web app, Rasa, action server, migration, retention
    for command in commands:
        assert command[:2] == [".venv/bin/python", "-m"], command
        assert importlib.util.find_spec(command[2]) is not None, f"no module {command[2]}"


def test_rasa_gets_the_projects_endpoints_with_the_redis_lock_store():
    [config_map] = [d for d in documents() if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "rasa-endpoints"]
    configured = yaml.safe_load(config_map["data"]["endpoints.yml"])
    with open(PROJECT_ROOT / "endpoints.yml", encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    lock_store = configured.pop("lock_store")
    assert configured == project
    assert lock_store["type"] == "redis"


def test_each_service_reaches_a_port_its_pods_listen_on():
    listening: dict[str, set] = {}
    for document in documents():
        if document["kind"] == "Deployment":
            app = document["spec"]["selector"]["matchLabels"]["app"]
            listening[app] = {
                port["containerPort"]
                for container in document["spec"]["template"]["spec"]["containers"]
                for port in container.get("ports", [])
            }
    services = [d for d in documents() if d["kind"] == "Service"]
    assert {service["metadata"]["name"] for service in services} == set(listening)
    for service in services:
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in listening[service["spec"]["selector"]["app"]]
