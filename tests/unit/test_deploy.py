"""compose.yaml as docs/deploy.md describes it: PostgreSQL, several API servers behind one port, a Ray head and
workers, a one-shot Ray enrichment, all on one database URL and one image with the ray extra. Its wiring is read
here; where Debian's docker-compose is installed, it also validates the file (no Docker daemon needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
VERRIJK_SERVICES = ("init", "api", "ray-head", "ray-worker", "enrich")


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def interpolated(value: str) -> str:
    """A value as docker compose gives it with no variables set: ${NAME:-default} becomes the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_every_verrijk_service_runs_the_ray_image_on_the_one_database():
    services = compose()["services"]
    assert set(services) == {"db", "proxy", *VERRIJK_SERVICES}
    db = services["db"]["environment"]
    url = f"postgresql://{db['POSTGRES_USER']}:{interpolated(db['POSTGRES_PASSWORD'])}@db:5432/{db['POSTGRES_DB']}"
    for name in VERRIJK_SERVICES:
        service = services[name]
        assert "ray" in service["build"]["args"]["EXTRAS"].split(","), name
        assert interpolated(service["environment"]["VERRIJK_DATABASE_URL"]) == url, name
        assert service["environment"]["VERRIJK_SECRET_KEY"], name  # one key for every server's sessions
    assert "ARG EXTRAS=" in (ROOT / "Dockerfile").read_text() and '".[${EXTRAS}]"' in (ROOT / "Dockerfile").read_text()


def test_api_servers_wait_for_the_schema_and_share_one_port():
    services = compose()["services"]
    api = services["api"]
    assert int(interpolated(str(api["deploy"]["replicas"]))) >= 2 and "ports" not in api
    assert api["depends_on"] == {"init": {"condition": "service_completed_successfully"}}
    assert services["init"]["command"][:2] == ["verrijk", "init"]
    assert services["init"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["proxy"]["ports"] == ["8000:8000"]
    assert services["proxy"]["depends_on"] == {"api": {"condition": "service_healthy"}}
    [mount] = services["proxy"]["volumes"]
    conf, target = mount.split(":")[:2]
    assert target == "/etc/nginx/conf.d/default.conf" and "proxy_pass http://api:8000;" in (ROOT / conf).read_text()


def test_only_the_api_servers_answer_the_images_health_check():
    services = compose()["services"]
    assert "/health" in services["api"]["healthcheck"]["test"][-1]
    for name in ("init", "ray-head", "ray-worker", "enrich"):  # they serve no :8000, so never become "unhealthy"
        assert services[name]["healthcheck"] == {"disable": True}, name


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed (apt-get install it)")
def test_docker_compose_accepts_the_file():
    checked = subprocess.run(["docker-compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and not checked.stderr, checked.stderr


def test_the_ray_cluster_and_the_enrichment_that_uses_it():
    services = compose()["services"]
    head = services["ray-head"]["command"]
    assert head[:3] == ["ray", "start", "--head"] and "--port=6379" in head
    assert "--address=ray-head:6379" in services["ray-worker"]["command"]
    shell, flag, script, name = services["enrich"]["entrypoint"]  # a node without CPUs, the job driven from it
    assert (shell, flag, name) == ("sh", "-c", "enrich")
    assert script.startswith("ray start --address=ray-head:6379 --num-cpus=0 ")
    assert '&& exec verrijk enrich --engine ray --address auto "$$@"' in script
    for service in VERRIJK_SERVICES:  # Ray's token authentication: one token on every node and driver
        assert services[service]["environment"]["RAY_AUTH_TOKEN"]
    assert services["enrich"]["profiles"] == ["jobs"]  # a job, started on purpose, not by `up`
