"""Render the main screens of a demo village into docs/screenshots/ (offscreen).

    .venv/bin/python tools/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from puskesos.cli import main as cli  # noqa: E402
from puskesos.services import Actor, open_services  # noqa: E402
from puskesos.ui.main_window import MainWindow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite"
        assert cli(["--db", str(db), "demo", "--households", "800", "--seed", "1"]) == 0
        services = open_services(str(db))
        window = MainWindow(services, Actor("viewer", "kepala_desa", "Hanya lihat"))
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        OUT.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(OUT / "main-window.png"))
        window.close()
        services.close()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
