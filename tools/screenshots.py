"""Render the main screens of a demo village into docs/screenshots/ (offscreen).

    .venv/bin/python tools/screenshots.py            # 100 % scaling, 1366x768
    QT_SCALE_FACTOR=1.5 .venv/bin/python tools/screenshots.py --suffix -150
    .venv/bin/python tools/screenshots.py --size 1024x768 --suffix -1024

The window is 1366×768, the common office screen; 1024×768 is the smallest the
program is made to stay usable on.
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
from puskesos.services import open_services  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (1366, 768)


def _save(widget, name: str, suffix: str) -> None:
    QApplication.processEvents()
    path = OUT / f"{name}{suffix}.png"
    widget.grab().save(str(path))
    print(f"  {path.relative_to(ROOT)}")


def _pdf_pages(services, actor) -> None:
    """The first page of a verval form and of a berita acara, as printed (pdftoppm)."""
    import subprocess
    docs = services.documents
    forms = docs.verval_forms(actor=actor, rt="1")
    minutes = docs.berita_acara(actor=actor)
    for name, document, page in (("page-verval-form", forms, 1),
                                 ("page-berita-acara", minutes, 1),
                                 ("page-berita-acara-bnba", minutes, 2)):
        source = Path(tempfile.mkdtemp()) / "doc.pdf"
        source.write_bytes(document.pdf)
        subprocess.run(["pdftoppm", "-r", "80", "-f", str(page), "-l", str(page), "-png",
                        "-singlefile", str(source), str(OUT / name)], check=True)
        print(f"  docs/screenshots/{name}.png")


def main(argv: list[str]) -> None:
    suffix = argv[argv.index("--suffix") + 1] if "--suffix" in argv else ""
    global SIZE
    if "--size" in argv:
        width, height = argv[argv.index("--size") + 1].lower().split("x")
        SIZE = (int(width), int(height))
    app = QApplication.instance() or QApplication([])
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite"
        assert cli(["--db", str(db), "demo", "--households", "800", "--seed", "1"]) == 0
        services = open_services(str(db))
        # the status bar names the database: a neutral path, not this machine's temp folder
        services.db.location = r"C:\Users\Operator\Documents\Puskesos\desa.sqlite"
        from puskesos.ui.login import LoginDialog
        from puskesos.ui.main_window import MainWindow
        login = LoginDialog(services)
        login.username.setText("operator")
        login.show()
        _save(login, "login", suffix)
        user = services.auth.login(username="operator", password="demo123")
        window = MainWindow(services, user.actor, idle_minutes=0)
        window.resize(*SIZE)
        window.show()
        _save(window, "households", suffix)
        page = window.households
        page.table.selectRow(3)
        form = page.open_selected()
        form.phone.setText("081234567890")
        form.save()
        form.resize(*SIZE)
        _save(form, "household-form", suffix)
        form.tabs.setCurrentIndex(1)
        _save(form, "household-members", suffix)
        form.tabs.setCurrentIndex(3)
        _save(form, "household-history", suffix)
        form.close()
        window.show_module("verval")
        _save(window, "verval", suffix)
        verval = window.pages["verval"]
        verval.table.selectRow(0)
        from puskesos.ui.verval_page import MusdesDialog, ResultDialog
        dialog = ResultDialog(services, user.actor, verval.selected(), window)
        dialog.show()
        _save(dialog, "verval-result", suffix)
        dialog.close()
        dialog = MusdesDialog(services, user.actor, verval.cycle_id(), window)
        dialog.show()
        _save(dialog, "verval-musdes", suffix)
        dialog.close()
        if not suffix:
            _pdf_pages(services, user.actor)
        window.show_module("settings")
        _save(window, "settings", suffix)
        window.close()
        services.close()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
