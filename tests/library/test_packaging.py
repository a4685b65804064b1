"""A non-editable install runs: reference tables and GX suites ship inside the wheel, not beside a checkout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

CHECK = """
import json, sys
from conflict_events.settings import get_settings
from tasks.extract.coder import extractor_version
from tasks.extract.nlp import installed_model_version
s = get_settings()
print(json.dumps({
    "module": __import__("conflict_events").__file__,
    "reference": sorted(p.name for p in s.reference_dir.iterdir() if p.suffix == ".csv"),
    "suites": sorted(p.name for p in s.expectations_dir.glob("*.json")),
    "extractor": extractor_version(s.reference_dir, installed_model_version(s.spacy_model)),
}))
"""


def test_a_wheel_installed_elsewhere_finds_its_reference_data_and_suites(tmp_path):
    uv = Path(sys.executable).parent / "uv"
    subprocess.run([str(uv), "build", "--wheel", "-o", str(tmp_path / "dist"), str(PROJECT_ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("conflict_events-*.whl"))
    target = tmp_path / "site"
    subprocess.run(
        [str(uv), "pip", "install", "--python", sys.executable, "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True
    )
    # Run from an empty folder, the wheel's copy first on the path: no checkout to lean on.
    run = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    installed = json.loads(run.stdout)
    here = json.loads(subprocess.run([sys.executable, "-c", CHECK], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout)
    assert installed["module"].startswith(str(target))
    assert installed["reference"] == here["reference"] and len(installed["reference"]) == 5
    assert installed["suites"] == ["articles.json", "events.json"]
    assert installed["extractor"] == here["extractor"]  # same tables, same rules: the same extractor version
