"""Shared fixtures: the real data (REDRAW_DATA_DIR) and the redraw command line to compare with."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    d = Path(os.environ.get("REDRAW_DATA_DIR", ROOT.parent / "shared" / "data"))
    if not (d / "graphs" / "bench" / "NC.json").is_file():
        pytest.fail(f"the real data is needed ({d}/graphs/bench/NC.json); set REDRAW_DATA_DIR")
    return d


@pytest.fixture(scope="session")
def data() -> Path:
    return data_dir()


@pytest.fixture(scope="session")
def nc(data) -> str:
    return str(data / "graphs" / "bench" / "NC.json")


@pytest.fixture(scope="session")
def pa(data) -> str:
    return str(data / "graphs" / "bench" / "PA.json")


@pytest.fixture(scope="session")
def cli() -> str:
    """The redraw binary of this checkout (REDRAW_BIN, else target/release/redraw)."""
    path = os.environ.get("REDRAW_BIN") or str(ROOT / "target" / "release" / "redraw")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `cargo build --release -p redraw-cli` (or set REDRAW_BIN)")
    return path


def run_cli(cli, *args, check=True):
    p = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
    if check and p.returncode != 0:
        raise AssertionError(f"redraw {' '.join(map(str, args))} failed:\n{p.stderr}")
    return p


def cli_json(cli, *args):
    return json.loads(run_cli(cli, *args).stdout)


def cli_error(cli, *args) -> str:
    """The message the CLI prints after `error: `."""
    p = run_cli(cli, *args, check=False)
    assert p.returncode != 0, f"redraw {args} succeeded"
    err = p.stderr.strip()
    assert err.startswith("error: "), err
    return err[len("error: "):]


def run_files(d) -> dict:
    d = Path(d)
    return {f: (d / f).read_bytes() for f in ("manifest.json", "stats.csv", "assignments.bin")}
