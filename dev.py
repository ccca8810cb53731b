#!/usr/bin/env python3
"""Set up and run Puskesos from a source checkout, with nothing but Python 3.11+.

    python3 dev.py run    # set up, create a demo village if none, open the window
    python3 dev.py test   # set up, then run the whole test suite

It makes ``.venv`` beside this file and installs the program into it.  As
root on Debian/Ubuntu it also installs what the window and the tests need
from the system's packages (Qt's X11/EGL libraries, poppler-utils, and a
PostgreSQL server that the database tests use); elsewhere it says what is
missing and the PostgreSQL tests are skipped (``CI=true`` makes them fail
instead).  Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
DEMO_HOUSEHOLDS = "800"

DEBIAN_PACKAGES = [
    # Qt's xcb and offscreen platform plugins
    "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3", "libxkbcommon0",
    "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0",
    "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0",
    "libxcb-xinerama0", "libxcb-xkb1", "libxcb-xfixes0",
    # PDFs rendered to images in tests; the kabupaten's database server
    "poppler-utils", "postgresql",
]
PG_ROLE, PG_PASSWORD = "puskesos", "puskesos"


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(cmd: list[str], **kw) -> int:
    return subprocess.call([str(c) for c in cmd], **kw)


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        say("creating .venv")
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except Exception as exc:  # ensurepip missing (Debian: python3-venv)
            shutil.rmtree(VENV, ignore_errors=True)
            minor = f"python3.{sys.version_info.minor}-venv"
            if is_root_debian() and run(["apt-get", "-qq", "install", "-y", "python3-venv",
                                         minor]) == 0:
                venv.EnvBuilder(with_pip=True).create(VENV)
            else:
                sys.exit(f"[dev] cannot create a virtual environment ({exc}). On "
                         "Debian/Ubuntu install it first: apt-get install python3-venv")
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing Puskesos{f'[{extras}]' if extras else ''} into .venv (first time takes a while)")
    quiet = ["-q"] if os.environ.get("CI") else []
    if run([PY, "-m", "pip", "install", *quiet, "--upgrade", "pip"]) != 0:
        sys.exit("[dev] pip could not be upgraded; check the connection to the package index")
    target = f".[{extras}]" if extras else "."
    if run([PY, "-m", "pip", "install", *quiet, "-e", target], cwd=ROOT) != 0:
        sys.exit("[dev] installing the program failed (see the messages above)")
    stamp.write_text(digest)


def is_root_debian() -> bool:
    return (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None
            and shutil.which("dpkg-query") is not None)


def missing_debian_packages() -> list[str]:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n", *DEBIAN_PACKAGES],
                         capture_output=True, text=True).stdout
    installed = {line.split()[0] for line in out.splitlines() if "install ok installed" in line}
    return [p for p in DEBIAN_PACKAGES if p not in installed]


def ensure_system_packages() -> None:
    if sys.platform != "linux":
        return
    if not is_root_debian():
        say("not root on Debian/Ubuntu: system packages are not installed by this script "
            f"(Qt needs {', '.join(DEBIAN_PACKAGES[:5])} …; PostgreSQL tests need a server)")
        return
    missing = missing_debian_packages()
    if not missing:
        return
    say(f"installing system packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = ["-qq"]
    run(["apt-get", *quiet, "update"], env=env)
    if run(["apt-get", *quiet, "install", "-y", "--no-install-recommends", *missing], env=env):
        sys.exit("[dev] apt-get could not install the packages listed above")


def start_postgres() -> str | None:
    """Start the Debian PostgreSQL cluster and return a URL for tests, or None."""
    if os.environ.get("PUSKESOS_TEST_PG"):
        return os.environ["PUSKESOS_TEST_PG"]
    if not (is_root_debian() and shutil.which("pg_lsclusters")):
        return None
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if not clusters.strip():
        version = sorted(p.name for p in Path("/usr/lib/postgresql").iterdir())[-1]
        if run(["pg_createcluster", version, "main"]) != 0:
            say("could not create a PostgreSQL cluster; PostgreSQL tests cannot run")
            return None
        clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if len(clusters.split()) < 4:
        say("no PostgreSQL cluster found; PostgreSQL tests cannot run")
        return None
    version, name, port, status = clusters.split()[:4]
    if status != "online":
        say(f"starting PostgreSQL {version}/{name}")
        if run(["pg_ctlcluster", version, name, "start"]) != 0:
            return None
    sql = (f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='{PG_ROLE}') THEN "
           f"CREATE ROLE {PG_ROLE} LOGIN SUPERUSER PASSWORD '{PG_PASSWORD}'; END IF; END$$;")
    if run(["su", "postgres", "-c", f"psql -q -p {port} -c {shlex.quote(sql)}"]) != 0:
        return None
    return f"postgresql://{PG_ROLE}:{PG_PASSWORD}@127.0.0.1:{port}/postgres"


def cmd_test(args: list[str]) -> int:
    ensure_system_packages()
    ensure_venv("test")
    env = dict(os.environ)
    pg = start_postgres()
    if pg:
        env["PUSKESOS_TEST_PG"] = pg
        say("PostgreSQL tests run against the local server")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        env["PUSKESOS_REQUIRE_PG"] = "1"
    # one worker a core (pytest-xdist), unless the caller chose (-n 0: one process)
    spread = [] if any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist"
                       for a in args) else ["-n", "auto"]
    code = run([PY, "-m", "pytest", *spread, *args], cwd=ROOT, env=env)
    if code == 5:
        print("[dev] no test ran: that counts as a failure", file=sys.stderr)
        return 1
    return code


def cmd_run(args: list[str]) -> int:
    ensure_system_packages()
    ensure_venv("")
    env = dict(os.environ)
    db_args = []
    if "--db" not in args:
        home = subprocess.run([PY, "-c", "from puskesos import paths; "
                               "print(paths.default_database())"], capture_output=True,
                              text=True, env=env).stdout.strip()
        if home and not Path(home).exists():
            say(f"creating a demo village ({DEMO_HOUSEHOLDS} households) in {home}")
            if run([PY, "-m", "puskesos", "demo", "--households", DEMO_HOUSEHOLDS], env=env):
                return 1
    return run([PY, "-m", "puskesos", *db_args, *args], env=env)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("[dev] Puskesos needs Python 3.11 or newer")
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    return {"run": cmd_run, "test": cmd_test}[argv[0]](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
