"""`make serve`'s nginx configuration: the template filled in is one nginx accepts, with one
upstream server per replica, websockets, cookie affinity, and paths only in the run directory."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from serve.supervisor import FAIL_TIMEOUT_S, NGINX, TEMPLATE, render_config


def test_every_field_is_filled_and_each_replica_is_an_upstream(tmp_path: Path) -> None:
    text = render_config(tmp_path, "127.0.0.1:8080", [8601, 8602, 8603])
    assert "{{" not in text and "}}" not in text
    servers = re.findall(
        r"^\s*server 127\.0\.0\.1:(\d+) max_fails=1 fail_timeout=(\d+)s;", text, re.M
    )
    assert servers == [(str(p), str(FAIL_TIMEOUT_S)) for p in (8601, 8602, 8603)]
    assert "listen 127.0.0.1:8080;" in text
    assert "hash $tki_route consistent;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    # every path nginx writes is in the run directory (no /var/log, /run, /var/lib/nginx)
    paths = re.findall(r"^\s*(?:pid|error_log|access_log|\w+_temp_path)\s+(\S+)", text, re.M)
    assert len(paths) == 8
    assert all(p.startswith(f"{tmp_path}/") for p in paths), paths


def test_a_template_field_left_unfilled_is_refused(tmp_path: Path, monkeypatch) -> None:
    template = tmp_path / "nginx.conf.template"
    template.write_text(TEMPLATE.read_text() + "\n# {{hostname}}\n")
    monkeypatch.setattr("serve.supervisor.TEMPLATE", template)
    with pytest.raises(ValueError, match="unfilled"):
        render_config(tmp_path, "127.0.0.1:8080", [8601])


@pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is missing: apt-get install nginx")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_config(tmp_path, "127.0.0.1:8080", [8601, 8602]))
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert "syntax is ok" in check.stderr
