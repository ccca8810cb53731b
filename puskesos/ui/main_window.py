"""The main window: module navigation, the pages, menus and the status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QMainWindow, QMessageBox, QStackedWidget,
                               QWidget)

from ..core.bahasa import short_datetime
from ..core.codes import Role
from ..core.permissions import Permission
from ..i18n import LANGUAGES, _
from ..services import Services
from ..services.context import Actor
from .bus import ChangeBus
from .households_page import HouseholdsPage
from .login import ChangePasswordDialog, IdleWatcher, LoginDialog
from .operations import write
from .widgets import fit_size


def _households_page(window: "MainWindow") -> QWidget:
    return HouseholdsPage(window.services, window.actor, window.bus)


def _verval_page(window: "MainWindow") -> QWidget:
    from .verval_page import VervalPage
    return VervalPage(window.services, window.actor, window.bus,
                      list_filter=window.households.current_filter)


def _referrals_page(window: "MainWindow") -> QWidget:
    from .referrals_page import ReferralsPage
    return ReferralsPage(window.services, window.actor, window.bus)


def _stickers_page(window: "MainWindow") -> QWidget:
    from .stickers_page import StickersPage
    return StickersPage(window.services, window.actor, window.bus)


def _programs_page(window: "MainWindow") -> QWidget:
    from .programs_page import ProgramsPage
    return ProgramsPage(window.services, window.actor, window.bus,
                        open_household=window.households.open_household)


def _reports_page(window: "MainWindow") -> QWidget:
    from .reports_page import ReportsPage
    return ReportsPage(window.services, window.actor, window.bus,
                       open_household=window.households.open_household)


def _exchange_page(window: "MainWindow") -> QWidget:
    from .exchange_page import ExchangePage
    return ExchangePage(window.services, window.actor, window.bus)


def _settings_page(window: "MainWindow") -> QWidget:
    from .settings_page import SettingsPage
    return SettingsPage(window.services, window.actor, window.bus)


@dataclass(frozen=True)
class PageSpec:
    """One module of the navigation: its key, its title, and the function that makes
    its page for a window (None: not built yet, shown disabled)."""

    key: str
    title: str
    make: Callable[["MainWindow"], QWidget] | None = None


def page_registry() -> tuple[PageSpec, ...]:
    """The window's modules in navigation order; a new capability adds its page here.
    A page is made the first time it is shown (the households page at once)."""
    return (
        PageSpec("households", _("Households"), _households_page),
        PageSpec("verval", _("Verval"), _verval_page),
        PageSpec("referrals", _("Referrals"), _referrals_page),
        PageSpec("stickers", _("Stickers"), _stickers_page),
        PageSpec("programs", _("Programs & targets"), _programs_page),
        PageSpec("exchange", _("Data exchange"), _exchange_page),
        PageSpec("reports", _("Reports"), _reports_page),
        PageSpec("settings", _("Settings"), _settings_page),
    )


def modules():
    """(key, title, available) for the navigation; unbuilt modules are shown disabled."""
    return tuple((p.key, p.title, p.make is not None) for p in page_registry())


class MainWindow(QMainWindow):
    def __init__(self, services: Services, actor: Actor, *, idle_minutes: int | None = None):
        super().__init__()
        self.services = services
        self.actor = actor
        self.bus = ChangeBus(self)
        self.backup_job = None
        self.locking = False
        village = services.settings.village()
        title = _("Puskesos")
        if village.desa:
            title += f" — {village.title}, {village.kabupaten}"
        self.setWindowTitle(title)
        fit_size(self, 1280, 720)

        self.nav = QListWidget()
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        for key, name, available in modules():
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if not available:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setToolTip(_("Not available yet"))
                # on a line of its own: "(belum tersedia)" after a long name would be cut
                item.setText(f"{name}\n(" + _("not available yet") + ")")
            self.nav.addItem(item)
        # as wide as its longest name: the rest of a 1024-pixel screen is the page's
        metrics = self.nav.fontMetrics()
        widest = max(metrics.horizontalAdvance(line) for i in range(self.nav.count())
                     for line in self.nav.item(i).text().split("\n"))
        self.nav.setFixedWidth(widest + 2 * self.nav.frameWidth() + 24)
        self._registry = {spec.key: spec for spec in page_registry()}
        self.households = self._page("households")
        self.nav.currentItemChanged.connect(self._navigate)
        self.nav.setCurrentRow(0)

        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        central = QWidget()
        central.setLayout(body)
        self.setCentralWidget(central)
        self._build_menus()

        self.user_label = QLabel()
        self.backup_label = QLabel()
        self.statusBar().addWidget(QLabel(_("Database: {path}").format(
            path=services.db.location)))
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.backup_label)
        self._update_status()
        self.bus.data_changed.connect(lambda kind, _ids: self._update_status()
                                      if kind == "setting" else None)

        prefs = services.settings.preferences()
        minutes = prefs.idle_lock_minutes if idle_minutes is None else idle_minutes
        self.idle = IdleWatcher(minutes, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.idle.idle.connect(self.lock)

    # ---------------------------------------------------------------- pages
    def _add_page(self, key: str, page: QWidget) -> None:
        self.pages[key] = page
        self.stack.addWidget(page)

    def _page(self, key: str) -> QWidget | None:
        """The page of module ``key``, made the first time (None: not built yet)."""
        if key not in self.pages:
            spec = self._registry.get(key)
            if spec is None or spec.make is None:
                return None
            self._add_page(key, spec.make(self))
        return self.pages[key]

    def _navigate(self, item, _previous=None) -> None:
        if item is None:
            return
        page = self._page(item.data(Qt.ItemDataRole.UserRole))
        if page is not None:
            self.stack.setCurrentWidget(page)

    def show_module(self, key: str) -> None:
        for i in range(self.nav.count()):
            if self.nav.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(i)

    # ---------------------------------------------------------------- menus
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        self.backup_action = QAction(_("Back up now"), self)
        self.backup_action.setShortcut(QKeySequence("Ctrl+B"))
        self.backup_action.triggered.connect(self.backup_now)
        self.backup_action.setEnabled(self.actor.can(Permission.BACKUP))
        file_menu.addAction(self.backup_action)
        self.check_action = QAction(_("Check the database"), self)
        self.check_action.triggered.connect(self.check_database)
        self.check_action.setEnabled(self.actor.can(Permission.VIEW_AUDIT))
        file_menu.addAction(self.check_action)
        lock = QAction(_("Lock"), self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock)
        file_menu.addAction(lock)
        register = QAction(_("Letter register and print log…"), self)
        register.triggered.connect(self.show_letter_register)
        file_menu.addAction(register)
        password = QAction(_("Change password…"), self)
        password.triggered.connect(self.change_password)
        file_menu.addAction(password)
        file_menu.addSeparator()
        quit_action = QAction(_("Exit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu(_("&View"))
        language = view.addMenu(_("Language"))
        for code, name in LANGUAGES.items():
            action = QAction(name, self)
            action.triggered.connect(lambda _c=False, c=code: self.set_language(c))
            language.addAction(action)
        goto = view.addMenu(_("Go to"))
        for i, (key, name, available) in enumerate(modules()):
            if available:
                action = QAction(name, self)
                action.setShortcut(QKeySequence(f"Alt+{i + 1}"))
                action.triggered.connect(lambda _c=False, k=key: self.show_module(k))
                goto.addAction(action)

    def show_letter_register(self):
        from .letter_register import LetterRegisterDialog
        dialog = LetterRegisterDialog(self.services, self.actor, self)
        dialog.open()
        return dialog

    # ---------------------------------------------------------------- status
    def _update_status(self) -> None:
        self.user_label.setText(_("{name} ({role})").format(
            name=self.actor.full_name or self.actor.username, role=Role.label_of(self.actor.role)))
        last = self.services.backup.last_backup() if self.services.db.dialect == "sqlite" else None
        if last:
            self.backup_label.setText(_("Last backup: {when}").format(
                when=short_datetime(datetime.fromisoformat(last["at"]))))
        else:
            self.backup_label.setText(_("No backup yet"))

    # ---------------------------------------------------------------- actions
    def backup_target(self) -> Path | None:
        folder = self.services.settings.preferences().backup_folder
        return Path(folder) if folder else None

    def backup_now(self, *, quiet: bool = False):
        if self.backup_job is not None and self.backup_job.running:
            return self.backup_job
        target = self.backup_target()

        def work(progress, cancel):
            progress.report(0, 0, _("Making a backup…"))
            return self.services.backup.backup(actor=self.actor, out=target,
                                               progress=progress, cancel=cancel)

        def done(info):
            self._update_status()
            if not quiet:
                QMessageBox.information(self, _("Backup"),
                                        _("Backup saved to {path}.").format(path=info.path))

        self.backup_job = self.bus.ops.run(self, _("Backup"), work, on_done=done)
        return self.backup_job

    def check_database(self):
        """What ``db check`` tells, in the window: the file, the audit trail and every
        household and member against what the program last wrote (services/health.py);
        a reading operation, so the window stays usable meanwhile."""
        from ..services import health

        def work(progress, cancel):
            progress.report(0, 0, _("Checking the database…"))
            return health.check(self.services.db, audit=self.services.audit, actor=self.actor)

        def done(found):
            show = QMessageBox.information if found.ok else QMessageBox.warning
            show(self, _("Check the database"), found.text)

        return self.bus.ops.run(self, _("Check the database"), work, changes=None,
                                on_done=done)

    def backup_if_due(self):
        """The scheduled backup: made in the background when the last one is too old."""
        if self.services.db.dialect != "sqlite" or not self.actor.can(Permission.BACKUP):
            return None
        schedule = self.services.settings.preferences().backup_schedule
        if schedule == "off":
            return None
        last = self.services.backup.last_backup()
        due = timedelta(days=1 if schedule == "daily" else 7)
        if last and datetime.now(timezone.utc) - datetime.fromisoformat(last["at"]) < due:
            return None
        return self.backup_now(quiet=True)

    def change_password(self) -> None:
        ChangePasswordDialog(self.services, self.actor, self).exec()

    def set_language(self, code: str) -> None:
        if self.actor.can(Permission.MANAGE_SETTINGS):
            write(self, lambda: self.services.settings.update_preferences(actor=self.actor,
                                                                          language=code))
        QMessageBox.information(self, _("Language"),
                                _("The language changes the next time the program starts."))

    def lock(self) -> None:
        """Cover the data until the user's password is typed again.

        Open dialogs are left as they are (hiding a dialog would end its
        question and lose the edits behind it); a full-screen lock window
        stays on top of them, and the main window's content is hidden.
        """
        if self.locking:
            return
        self.locking = True
        self.idle.fired = True
        self.centralWidget().hide()
        dialog = LoginDialog(self.services, username=self.actor.username,
                             title=_("Locked — type your password"), parent=self)
        dialog.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setWindowState(Qt.WindowState.WindowFullScreen)
        self.lock_dialog = dialog
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            self.locking = False
        if not accepted:
            self.close()
            return
        self.centralWidget().show()
        self.idle.reset()

    def running_jobs(self) -> list:
        """The operations still running in this window (backup, import, export,
        printing): closing waits for them."""
        return self.bus.ops.active()

    #: how long closing waits for stopped work to end (ms)
    STOP_WAIT_MS = 30_000

    def stop_jobs(self) -> bool:
        """Ask whether to stop the running work; stop it and wait for it to end.
        True when nothing runs any more."""
        jobs = self.running_jobs()
        if not jobs:
            return True
        # work that only reads (figures, flags) is stopped without a question
        answer = QMessageBox.StandardButton.Yes if all(job.reads_only for job in jobs) \
            else QMessageBox.question(
            self, _("Puskesos"),
            _("Work is still running (backup, import, export or printing). Stop it and "
              "close the program? The stopped work is not saved; everything stored before "
              "stays as it was."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        for job in jobs:
            job.stop()       # work that ends anyway opens nothing more (a preview, an error)
        timer = QElapsedTimer()
        timer.start()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._stopping = True
        try:
            while any(job.running for job in jobs) and timer.elapsed() < self.STOP_WAIT_MS:
                QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        finally:
            self._stopping = False
            QApplication.restoreOverrideCursor()
        if any(job.running for job in jobs):
            QMessageBox.information(self, _("Puskesos"), _(
                "The work has not stopped yet. Wait a moment and close the program again."))
            return False
        return True

    def closeEvent(self, event) -> None:
        if getattr(self, "_stopping", False):      # closed again while work is stopping
            event.ignore()
            return
        if not self.stop_jobs():
            event.ignore()
            return
        # every page's open forms (a household, a request being typed) ask first
        open_forms = [d for page in self.pages.values()
                      for d in list(getattr(page, "open_dialogs", []))]
        for dialog in open_forms:
            if not dialog.close():
                event.ignore()
                return
            if dialog.isVisible():
                event.ignore()
                return
        event.accept()
