"""A command loads only what it uses: `relance --help`, `relance inspect` and the commands on a
folder mailbox (demo, status and once on the sample provider) never load the Google libraries
nor imapclient. Each runs as a real process under ``-X importtime``, which lists every module
the interpreter imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from relance.daemon.cli.wiring import sample_mailbox

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FOREIGN = ("googleapiclient", "google.auth", "google.oauth2", "google_auth_oauthlib",
           "google_auth_httplib2", "httplib2", "imapclient")


def imported(tmp_path: Path, *argv: str) -> set[str]:
    """The modules `relance ARGV` imports, from a process of its own; fails if it fails."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "relance.daemon.cli", *argv],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def foreign(modules: set[str]) -> list[str]:
    return sorted(m for m in modules for f in FOREIGN if m == f or m.startswith(f + "."))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config file on the sample provider: the demo's copy of the sample mailbox."""
    root = tmp_path_factory.mktemp("sample")
    imported(root, "demo", "--dir", str(root / "demo"))
    config = root / "config.toml"
    with sample_mailbox() as built_in:  # found the way the product finds it
        text = (built_in / "config.toml").read_text()
    config.write_text(text.replace(
        "~/relance-demo.sqlite3", str(root / "demo" / "relance.sqlite3")))
    return config


def test_help_loads_no_mailbox_library_and_not_the_engine(tmp_path):
    modules = imported(tmp_path, "--help")
    assert "click" in modules and "relance.daemon.cli.main" in modules
    assert foreign(modules) == []
    assert not {"relance.daemon.cycle.engine", "apscheduler", "rich", "jinja2"} & modules


def test_inspect_loads_no_mailbox_library(tmp_path):
    modules = imported(tmp_path, "inspect", "--json", str(DATA / "replies" / "r01_en_paid.eml"))
    assert "relance.daemon.core.classify" in modules  # it did read the message
    assert foreign(modules) == []


def test_demo_loads_no_mailbox_library(tmp_path):
    modules = imported(tmp_path, "demo", "--dir", str(tmp_path / "demo"))
    assert "relance.gmail.folder.mailbox" in modules
    assert foreign(modules) == []


@pytest.mark.parametrize("command", [["status"], ["once", "--dry-run"]])
def test_the_sample_provider_loads_no_mailbox_library(tmp_path, sample, command):
    modules = imported(tmp_path, "--config", str(sample), *command)
    assert foreign(modules) == []
