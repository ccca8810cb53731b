"""forms/ and migrations/ travel inside the wheel and work from an installed copy."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_carries_resources_and_runs_outside_the_checkout(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("puskesos-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("puskesos/_migrations/env.py", "puskesos/_forms/README.md",
                   "puskesos/resources/wilayah.tsv.gz", "puskesos/locale/id.po"):
        assert needed in names
    assert any(n.startswith("puskesos/_migrations/versions/0001") for n in names)
    # install it into a bare folder and run it from elsewhere
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    env = dict(os.environ, PYTHONPATH=str(target), PUSKESOS_LANG="en")
    probe = subprocess.run([sys.executable, "-c",
                            "import puskesos.paths as p; print(p.migrations_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert str(target) in probe.stdout
    made = subprocess.run([sys.executable, "-m", "puskesos", "--db", str(tmp_path / "w.sqlite"),
                           "demo", "--households", "20"], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
