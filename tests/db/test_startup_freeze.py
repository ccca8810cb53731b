"""The window freezes what it made while starting, the import's modules included,
so that a long import does not walk them again and again (bench: import-100k-window)."""

import os
import subprocess
import sys
import textwrap

from bench.bench_import import make_extract


def test_an_import_in_the_window_needs_no_module_it_did_not_freeze(tmp_path):
    """Every module the import uses is imported before the freeze: a module first
    imported during the import would stay in the collector's sight."""
    extract = make_extract(tmp_path / "dtsen.xlsx", members=300)
    script = textwrap.dedent(f"""
        import gc, sys
        import puskesos.ui.main_window, puskesos.ui.login, puskesos.ui.first_start
        from puskesos.ui.launch import JOB_MODULES
        from puskesos.threads import freeze_startup_objects
        from puskesos.services import Actor, open_services
        freeze_startup_objects(JOB_MODULES)
        assert gc.get_freeze_count() > 0 and gc.isenabled()
        before = set(sys.modules)
        from puskesos.services.imports import run_import
        services = open_services({str(tmp_path / 'v.sqlite')!r}, create=True)
        admin = Actor.command_line()
        services.settings.init_village(actor=admin, village_code="35.23.01.2001")
        report = run_import(services, actor=admin, path={str(extract)!r})
        assert report.created == 300, report.summary()
        services.close()
        late = sorted(m for m in set(sys.modules) - before
                      if m.split(".")[0] in ("puskesos", "python_calamine", "openpyxl"))
        print("LATE", late)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert "LATE []" in out.stdout, out.stdout
