"""Render the main screens of a demo village into docs/screenshots/ (offscreen).

    .venv/bin/python tools/screenshots.py            # 100 % scaling, 1366x768
    QT_SCALE_FACTOR=1.5 .venv/bin/python tools/screenshots.py --suffix -150
    .venv/bin/python tools/screenshots.py --size 1024x768 --suffix -1024
    .venv/bin/python tools/screenshots.py --real     # through a real window manager

The window is 1366×768, the common office screen; 1024×768 is the smallest the
program is made to stay usable on.

``--real`` starts an X server (Xvfb) with the openbox window manager at each
of the two screen sizes (or the one ``--size`` names), opens the program's
windows there through Qt's xcb plugin, and photographs the whole screen with
the window frames: wm-1366-*.png and wm-1024-*.png.  It needs the packages
xvfb, openbox and imagemagick.  The offscreen pictures show a widget; these
show what the operator sees: where the window manager put a dialog, whether it
fits the screen, Qt's own texts in the program's language.
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
        window.show_module("stickers")
        _save(window, "stickers", suffix)
        stickers = window.pages["stickers"]
        visited = max(range(stickers.model.rowCount()),
                      key=lambda i: stickers.model.row_at(i).visits)
        stickers.table.selectRow(visited)
        from puskesos.ui.sticker_dialogs import OutcomeDialog
        dialog = OutcomeDialog(services, user.actor, stickers.campaign, stickers.selected(),
                               window, bus=window.bus)
        dialog.show()
        _save(dialog, "sticker-visit", suffix)
        dialog.close()
        if not suffix:
            _pdf_pages(services, user.actor)
        window.show_module("referrals")
        _save(window, "referrals", suffix)
        window.show_module("settings")
        _save(window, "settings", suffix)
        window.close()
        services.close()
    print(f"screenshots written to {OUT}")


# ------------------------------------------------------------ real window manager
NEUTRAL_DB = r"C:\Users\Operator\Documents\Puskesos\desa.sqlite"


def _real_sizes(argv: list[str]) -> list[tuple[int, int]]:
    if "--size" in argv:
        width, height = argv[argv.index("--size") + 1].lower().split("x")
        return [(int(width), int(height))]
    return [(1366, 768), (1024, 768)]


def _neutral_backup_folder() -> None:
    """The settings page names the backup folder beside the database: beside the
    neutral path, not this machine's temporary folder."""
    from pathlib import PureWindowsPath

    from puskesos.ui.settings_page import SettingsPage
    SettingsPage._database_file = lambda self: PureWindowsPath(NEUTRAL_DB)


def real(argv: list[str]) -> None:
    """Start Xvfb + openbox for each size and photograph the windows in a child run."""
    import shutil
    import subprocess
    import time
    for tool in ("Xvfb", "openbox", "import"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install xvfb openbox imagemagick")
    display = os.environ.get("SCREENSHOT_DISPLAY", ":99")
    for width, height in _real_sizes(argv):
        server = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{width}x{height}x24",
                                   "-nolisten", "tcp"])
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("QT_SCALE_FACTOR", None)
        time.sleep(1.0)
        wm = subprocess.Popen(["openbox"], env=env)
        time.sleep(1.0)
        try:
            subprocess.run([sys.executable, __file__, "--real-child", f"{width}x{height}"],
                           env=env, check=True)
        finally:
            wm.terminate()
            wm.wait()
            server.terminate()
            server.wait()


class _Camera:
    """Photographs the whole X screen (frames, title bars and all) into wm-<width>-<name>.png."""

    def __init__(self, width: int):
        self.prefix = f"wm-{width}-"
        self.taken: list[str] = []

    def settle(self, seconds: float = 0.8) -> None:
        import time
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.02)

    def __call__(self, name: str, widget=None) -> None:
        import subprocess
        if widget is not None:
            widget.raise_()
            widget.activateWindow()
        self.settle()
        path = OUT / f"{self.prefix}{name}.png"
        # 8-bit palette PNG: a screen of flat widgets stays small
        subprocess.run(["import", "-silent", "-window", "root", "-strip",
                        "-colors", "256", f"PNG8:{path}"], check=True)
        self.taken.append(name)
        print(f"  {path.relative_to(ROOT)}")


def _import_file(services, actor, folder: Path) -> Path:
    """A registry extract of one RT with a few changed cells, for the import wizard."""
    from openpyxl import load_workbook

    from puskesos.services.excel_export import export_registry
    from puskesos.services.registry import HouseholdFilter
    path = folder / "dtsen-rt001.xlsx"
    export_registry(services, actor=actor, path=path, filter=HouseholdFilter(rw="003", rt="001"))
    book = load_workbook(path)
    sheet = book.active
    header = [str(c.value or "").lower() for c in next(sheet.iter_rows(max_row=1))]
    place = header.index("tempat lahir") + 1 if "tempat lahir" in header else None
    if place is not None:           # the kabupaten's extract corrects a few birthplaces
        for row in range(2, 7):
            sheet.cell(row=row, column=place).value = "BOJONEGORO"
    book.save(path)
    return path


def real_child(argv: list[str]) -> None:
    """Inside the X server: the demo village, logged in, every page and main dialog."""
    from puskesos import i18n
    from puskesos.ui import qt_catalog
    width, height = (int(v) for v in argv[argv.index("--real-child") + 1].split("x"))
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Puskesos")
    shot = _Camera(width)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite"
        assert cli(["--db", str(db), "demo", "--households", "800", "--seed", "1"]) == 0
        services = open_services(str(db))
        services.db.location = NEUTRAL_DB
        _neutral_backup_folder()
        if "PUSKESOS_LANG" not in os.environ:
            i18n.set_language(services.settings.preferences().language)
        qt_catalog.install(app)
        _real_windows(services, shot, Path(tmp))
        services.close()
    print(f"{len(shot.taken)} screenshots at {width}x{height} written to {OUT}")


def _real_windows(services, shot: _Camera, tmp: Path) -> None:
    from puskesos.ui.first_start import FirstStartDialog
    from puskesos.ui.import_wizard import ImportWizard
    from puskesos.ui.letter_register import LetterRegisterDialog
    from puskesos.ui.login import ChangePasswordDialog, LoginDialog
    from puskesos.ui.main_window import MainWindow
    from puskesos.ui.member_dialog import MemberDialog
    from puskesos.ui.pdf_preview import PdfPreview
    from puskesos.ui.settings_parts import ChangeVillageDialog, OfficerDialog
    from puskesos.ui.verval_dialogs import (MusdesDialog, NewCycleDialog, ProposalsDialog,
                                            ResultDialog)

    first = FirstStartDialog(lambda *a: None)
    first.show()
    first.village_search.setText("Jlodro")
    shot("first-start", first)
    first.close()

    login = LoginDialog(services)
    login.username.setText("operator")
    login.show()
    shot("login", login)
    login.close()

    user = services.auth.login(username="admin", password="demo123")
    actor = user.actor
    window = MainWindow(services, actor, idle_minutes=0)
    window.show()
    shot("households", window)

    page = window.households
    page.table.selectRow(3)
    form = page.open_selected()
    shot("household-form", form)
    for index, name in ((1, "household-members"), (2, "household-programs"),
                        (3, "household-history")):
        form.tabs.setCurrentIndex(index)
        shot(name, form)
    form.tabs.setCurrentIndex(1)
    member = MemberDialog(form.members[0], parent=form)
    member.show()
    shot("member", member)
    member.close()
    member = MemberDialog(parent=form)
    member.show()
    shot("member-new", member)
    member.close()
    form.close()
    new = page.new_household()
    shot("household-new", new)
    new.close()

    wizard = page.open_import()
    shot("import-file", wizard)
    wizard.file_edit.setText(str(_import_file(services, actor, tmp)))
    wizard.next()
    shot("import-columns", wizard)
    wizard.next()
    import time
    end = time.monotonic() + 60
    while wizard.preview is None and time.monotonic() < end:
        shot.settle(0.2)
    shot("import-preview", wizard)
    wizard.close()

    window.show_module("verval")
    shot("verval", window)
    verval = window.pages["verval"]
    verval.table.selectRow(0)
    for name, dialog in (
            ("verval-new-cycle", NewCycleDialog(services, verval,
                                                list_filter=page.current_filter())),
            ("verval-result", ResultDialog(services, actor, verval.selected(), verval)),
            ("verval-proposals", ProposalsDialog(services, actor, verval.cycle_id(), verval)),
            ("verval-musdes", MusdesDialog(services, actor, verval.cycle_id(), verval))):
        dialog.show()
        shot(name, dialog)
        dialog.close()
        dialog.deleteLater()
    window.show_module("stickers")
    shot("stickers", window)
    stickers = window.pages["stickers"]
    stickers.table.selectRow(max(range(stickers.model.rowCount()),
                                 key=lambda i: stickers.model.row_at(i).visits))
    from puskesos.ui.sticker_dialogs import NewCampaignDialog, OutcomeDialog
    for name, dialog in (
            ("sticker-new-campaign", NewCampaignDialog(services, actor, stickers)),
            ("sticker-visit", OutcomeDialog(services, actor, stickers.campaign,
                                            stickers.selected(), stickers, bus=window.bus))):
        dialog.show()
        shot(name, dialog)
        dialog.close()
        dialog.deleteLater()
    preview = PdfPreview(services.documents.berita_acara(actor=actor,
                                                         cycle_id=verval.cycle_id()), verval,
                         folder=str(tmp))
    preview.show()
    shot("pdf-preview", preview)
    preview.close()

    window.show_module("referrals")
    shot("referrals", window)
    referrals = window.pages["referrals"]
    intake = referrals.new_request()
    shot("referral-intake", intake)
    intake.close()
    if referrals.model.rowCount():
        referrals.table.selectRow(0)
        opened = referrals.open_selected()
        shot("referral", opened)
        opened.close()

    window.show_module("settings")
    settings = window.pages["settings"]
    for index, name in ((0, "settings"), (1, "settings-officers"), (2, "settings-security")):
        settings.tabs.setCurrentIndex(index)
        shot(name, window)
    settings.tabs.setCurrentIndex(0)
    for name, dialog in (("settings-change-village", ChangeVillageDialog(services, actor,
                                                                         settings)),
                         ("settings-officer", OfficerDialog(services, actor, None, settings)),
                         ("letter-register", LetterRegisterDialog(services, actor, window)),
                         ("change-password", ChangePasswordDialog(services, actor, window))):
        dialog.show()
        shot(name, dialog)
        dialog.close()
        dialog.deleteLater()
    window.show_module("households")
    window.close()


if __name__ == "__main__":
    if "--real-child" in sys.argv:
        real_child(sys.argv[1:])
    elif "--real" in sys.argv:
        real(sys.argv[1:])
    else:
        main(sys.argv[1:])
