"""``deploy/`` is documentation, but every image, port and env var in it must match the code:
read the compose file, the nginx config, the Dockerfile and the KubeRay example, and check them
against Settings, the CLI, pyproject.toml and the generator deployments' naming."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.context import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OUR_ENV = ("LIMNER_", "RAY_AUTH_")
RAY_ENV = {"RAY_AUTH_MODE", "RAY_AUTH_TOKEN"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _kuberay() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all((DEPLOY / "kuberay" / "rayservice.yaml").read_text())}


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _image() -> str:
    return f"limner:{_pyproject()['project']['version']}"


def _known(name: str) -> bool:
    if name in RAY_ENV:
        return True
    return name.startswith("LIMNER_") and name[len("LIMNER_"):].lower() in Settings.model_fields


def _k8s_env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: str(item.get("value")) for item in container.get("env", [])}


def test_every_env_var_in_the_compose_file_is_a_setting_or_rays_auth() -> None:
    compose = _compose()
    names = set(compose["x-limner"]["environment"])
    for service in compose["services"].values():
        names |= {name for name in service.get("environment", {}) if name.startswith(OUR_ENV)}
    assert names and [name for name in sorted(names) if not _known(name)] == []
    env = compose["x-limner"]["environment"]
    # Values the settings would refuse are wrong too (secrets come from .env: left out here).
    plain = {name[len("LIMNER_"):].lower(): value for name, value in env.items()
             if name.startswith("LIMNER_") and "${" not in value}
    Settings(**{**plain, "database_url": "postgresql://limner@postgres:5432/limner"})


def test_the_compose_pieces_connect_through_the_ports_the_code_uses() -> None:
    compose = _compose()
    services, env = compose["services"], compose["x-limner"]["environment"]
    head = services["ray-head"]["command"]
    client_port = re.search(r"--ray-client-server-port=(\d+)", head)[1]
    gcs_port = re.search(r"--port=(\d+)", head)[1]
    assert env["LIMNER_RAY_ADDRESS"] == f"ray://ray-head:{client_port}"
    for name in ("gpu-worker-0", "gpu-worker-1"):
        assert f"--address=ray-head:{gcs_port}" in services[name]["command"]
    assert env["LIMNER_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["LIMNER_DATABASE_URL"]
    nginx = (DEPLOY / "nginx.conf").read_text()
    listen = re.search(r"listen (\d+);", nginx)[1]
    assert services["load-balancer"]["ports"] == [f"{listen}:{listen}"]
    for name in ("front-end-1", "front-end-2"):
        port = re.search(r"limner serve --host 0\.0\.0\.0 --port (\d+)", services[name]["command"])[1]
        assert f"server {name}:{port};" in nginx
    assert "proxy_buffering off" in nginx  # the event stream goes through as it comes
    assert env["LIMNER_OUT_DIR"].startswith("/data/") and env["LIMNER_HOME"].startswith("/data/")
    assert compose["x-limner"]["volumes"] == ["limner-data:/data"]


def test_one_image_everywhere_built_from_the_dockerfile_with_the_pinned_ray() -> None:
    compose, kuberay = _compose(), _kuberay()
    assert compose["x-limner"]["image"] == _image() and compose["x-limner"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert compose["services"]["postgres"]["image"].startswith("pgvector/pgvector:")  # memory needs pgvector
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install --no-cache-dir '.[ray]'" in dockerfile and f"-t {_image()} ." in dockerfile
    assert re.search(r"FROM python:3\.(\d+)", dockerfile)[1] == "11"
    ray_pin = next(dep for dep in _pyproject()["project"]["optional-dependencies"]["ray"] if dep.startswith("ray"))
    version = ray_pin.split("==")[1]
    cluster = kuberay["RayService"]["spec"]["rayClusterConfig"]
    assert cluster["rayVersion"] == version
    containers = [cluster["headGroupSpec"]["template"]["spec"]["containers"][0],
                  *(group["template"]["spec"]["containers"][0] for group in cluster["workerGroupSpecs"]),
                  kuberay["Deployment"]["spec"]["template"]["spec"]["containers"][0]]
    assert {container["image"] for container in containers} == {_image()}
    for match in re.finditer(r"EXPOSE ([\d ]+)", dockerfile):
        assert set(match[1].split()) == {"8000", "6379", "10001"}


def test_the_kuberay_front_ends_reach_the_head_and_use_only_real_settings() -> None:
    kuberay = _kuberay()
    head = kuberay["RayService"]["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in head["ports"]}
    front = kuberay["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = _k8s_env(front)
    name = kuberay["RayService"]["metadata"]["name"]
    assert env["LIMNER_RAY_ADDRESS"] == f"ray://{name}-head-svc:{ports['client']}"
    assert front["command"][:2] == ["limner", "serve"] and front["readinessProbe"]["httpGet"]["path"] == "/health"
    port = int(front["command"][front["command"].index("--port") + 1])
    assert front["ports"][0]["containerPort"] == port == kuberay["Service"]["spec"]["ports"][0]["targetPort"]
    names = set(env) | set(_k8s_env(head))
    assert [n for n in sorted(names) if n.startswith(OUR_ENV) and not _known(n)] == []
    secrets = re.findall(r"--from-literal=(\w+)=", (DEPLOY / "kuberay" / "rayservice.yaml").read_text())
    assert secrets and [n for n in secrets if not _known(n)] == []


def test_the_declared_generator_deployment_is_the_one_runs_look_for() -> None:
    pytest.importorskip("ray.serve", reason="the generator deployments need Ray Serve: pip install -e '.[ray]'")
    from ray.serve.deployment import Application

    from agent.surfaces.scale.serve_generators import app_builder, app_name, backend_options

    config = yaml.safe_load(_kuberay()["RayService"]["spec"]["serveConfigV2"])
    for app in config["applications"]:
        module, _, attribute = app["import_path"].partition(":")
        assert f"{module}:{attribute}" == "agent.surfaces.scale.serve_generators:app_builder"
        args = app["args"]
        options = backend_options(args["backend"], model=args.get("model"), steps=args.get("steps"),
                                  options=args.get("options"))
        assert app["name"] == app_name(args["backend"], options)
        assert app["name"] in (DEPLOY / "kuberay" / "rayservice.yaml").read_text().split("serveConfigV2")[0]
        built = app_builder(args)
        assert isinstance(built, Application)
        deployment = built._bound_deployment
        assert deployment.num_replicas == args["replicas"]
        assert deployment.ray_actor_options["num_gpus"] == args["replica_gpus"]
