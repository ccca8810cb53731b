"""Pertukaran Data: the bundles sent and whether the other office acknowledged them,
and the queue of fields a bundle could not settle alone (conflicts and proposals),
each shown as ours, theirs and the value both last agreed on, for the coordinator
to settle.

The page (:class:`ExchangePage`); the rules are in ``core/exchange.py``, the work in
``services/exchange/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QInputDialog, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QTabWidget, QVBoxLayout,
                               QWidget)

from ..core.bahasa import short_datetime
from ..core.codes import BundleStatus, QueueStatus
from ..core.labels import field_label, value_label
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..i18n import N_, _
from ..services.exchange import NeedsSetup, RefusedBefore
from ..services.exchange.records import LABELS as ENTITY_WORDS
from .exchange_dialogs import ExportDialog, PlanDialog
from .jobs import show_error
from .operations import write
from .table_model import DtoTableModel
from .widgets import documents_folder, list_table, open_file

KINDS = {"conflict": N_("Conflict"), "proposal": N_("Proposal")}


def shown_value(item, value: Any) -> str:
    """A queued value as a person reads it (a code's label, a date as dd-mm-yyyy)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value_label(item.entity, item.field, str(value))


class ExchangePage(QWidget):
    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.can_settle = actor.can(Permission.APPROVE)

        # -- the queue ------------------------------------------------------------
        self.queue_model = DtoTableModel([
            (_("Record"), lambda r: r.record or r.entity_id[:8]),
            (_("Field"), lambda r: field_label(r.entity, r.field)),
            (_("Kind"), lambda r: _(KINDS[r.kind]) if r.kind in KINDS else r.kind),
            (_("From"), lambda r: r.peer_code),
            (_("Ours"), lambda r: shown_value(r, r.ours)),
            (_("Theirs"), lambda r: shown_value(r, r.theirs)),
            (_("Agreed before"), lambda r: shown_value(r, r.base))])
        self.queue = list_table(self.queue_model, elastic=(6, 0, 1))
        self.queue.selectionModel().selectionChanged.connect(lambda *_a: self._enable())
        self.keep_ours = QPushButton(_("Keep &ours"))
        self.keep_ours.setToolTip(_("Our value stays; the other office gets it back in "
                                    "the next bundle."))
        self.take_theirs = QPushButton(_("Take &theirs"))
        self.take_theirs.setToolTip(_("The other office's value replaces ours."))
        self.keep_ours.clicked.connect(lambda: self.settle(QueueStatus.OURS.value))
        self.take_theirs.clicked.connect(lambda: self.settle(QueueStatus.THEIRS.value))
        self.queue_label = QLabel()
        self.queue_label.setWordWrap(True)
        queue_buttons = QHBoxLayout()
        queue_buttons.addWidget(self.queue_label, 1)
        queue_buttons.addWidget(self.keep_ours)
        queue_buttons.addWidget(self.take_theirs)
        queue_tab = QWidget()
        queue_layout = QVBoxLayout(queue_tab)
        queue_layout.addWidget(self.queue, 1)
        queue_layout.addLayout(queue_buttons)

        # -- bundles sent -----------------------------------------------------------
        self.sent_model = DtoTableModel([
            (_("No."), lambda r: r.sequence),
            (_("Made"), lambda r: short_datetime(r.created_at)),
            (_("To"), lambda r: r.peer_code),
            (_("Families"), lambda r: r.counts.get("household", 0)),
            (_("Members"), lambda r: r.counts.get("member", 0)),
            # programs, referrals and their steps, labelling, verval results
            (_("Other records"), lambda r: sum(
                v for k, v in r.counts.items() if k in ENTITY_WORDS
                and k not in ("household", "member") and isinstance(v, int))),
            (_("Status"), lambda r: BundleStatus.label_of(r.status)),
            (_("File"), lambda r: r.file_name or "")])
        self.sent = list_table(self.sent_model, elastic=(7, 6))
        self.sent_label = QLabel()
        self.sent_label.setWordWrap(True)
        sent_tab = QWidget()
        sent_layout = QVBoxLayout(sent_tab)
        sent_layout.addWidget(self.sent_label)
        sent_layout.addWidget(self.sent, 1)

        # -- sending and receiving -------------------------------------------------
        self.job = None
        self.open_dialogs: list = []
        self.send_button = QPushButton(_("&Send a bundle…"))
        self.send_button.setToolTip(_("Write what changed since the other office's last "
                                      "receipt to a folder or USB stick."))
        self.send_button.clicked.connect(lambda: self.send())
        self.receive_button = QPushButton(_("&Receive a bundle…"))
        self.receive_button.setToolTip(_("Read a bundle or a receipt from the other office "
                                         "(checked whole before anything changes)."))
        self.receive_button.clicked.connect(lambda: self.receive())
        can_exchange = actor.can(Permission.EXCHANGE)
        self.send_button.setEnabled(can_exchange)
        self.receive_button.setEnabled(can_exchange)
        self.office_label = QLabel()
        self.office_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.office_label, 1)
        top.addWidget(self.send_button)
        top.addWidget(self.receive_button)

        self.tabs = QTabWidget()
        self.tabs.addTab(queue_tab, "")
        self.tabs.addTab(sent_tab, "")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.refresh()

    # -- state -------------------------------------------------------------------

    def refresh(self) -> None:
        office = self.services.settings.office()
        self.office_label.setText(_("This office: {name} ({code})").format(
            name=office.name, code=office.code))
        items = self.services.exchange.queue(actor=self.actor)
        self.queue_model.set_rows(items)
        self.tabs.setTabText(0, _("Waiting for a decision ({n})").format(n=len(items)))
        self.queue_label.setText(
            _("Nothing waits: every bundle received was settled.") if not items else
            _("A conflict: both offices changed the field since they last agreed. A "
              "proposal: the other office changed a field this office keeps.")
            + ("" if self.can_settle else " " + _("The coordinator settles them.")))
        sent = self.services.exchange.sent(actor=self.actor)
        self.sent_model.set_rows(sent)
        waiting = sum(1 for b in sent if b.status == BundleStatus.SENT.value)
        self.tabs.setTabText(1, _("Bundles sent ({n} waiting)").format(n=waiting))
        self.sent_label.setText(
            _("No bundle sent yet.") if not sent else
            _("{n} bundles have no receipt yet: their records are sent again in the next "
              "bundle until the other office acknowledges them.").format(n=waiting)
            if waiting else _("The other office acknowledged every bundle sent."))
        self._enable()

    def selected(self):
        rows = self.queue.selectionModel().selectedRows()
        return self.queue_model.row_at(rows[0].row()) if rows else None

    def _enable(self) -> None:
        chosen = self.selected() is not None and self.can_settle
        self.keep_ours.setEnabled(chosen)
        self.take_theirs.setEnabled(chosen)

    # -- actions -------------------------------------------------------------------

    def settle(self, choice: str, note: str | None = None) -> bool:
        item = self.selected()
        if item is None:
            return False
        if note is None:
            label = _("Why? (kept in the history; may be left empty)")
            note, ok = QInputDialog.getText(
                self, _("Keep ours") if choice == QueueStatus.OURS.value else _("Take theirs"),
                f"{item.record} — {field_label(item.entity, item.field)}\n{label}",
                QLineEdit.EchoMode.Normal, "")
            if not ok:
                return False
        try:
            write(self, lambda: self.services.exchange.resolve(
                actor=self.actor, item_id=item.id, choice=choice, note=note or None))
        except UserError as exc:
            show_error(self, exc)
            return False
        row = self.queue.selectionModel().selectedRows()[0].row()
        self.refresh()
        if self.queue_model.rowCount():
            self.queue.selectRow(min(row, self.queue_model.rowCount() - 1))
        self.bus.changed("household", [])
        return True


    # -- sending and receiving ---------------------------------------------------

    def send(self, dialog: ExportDialog | None = None) -> list | None:
        """Ask where the bundle goes, then write it there in the background; the
        message names the files and offers to open their folder."""
        try:
            dialog = dialog or ExportDialog(self.services, self.actor, self)
        except UserError as exc:
            show_error(self, exc)
            return None
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted:
            return None
        folder, to = Path(dialog.folder.text()), dialog.to.currentData()
        full, max_bytes = dialog.full.isChecked(), dialog.max_mb.value() * 1024 * 1024
        exchange, actor = self.services.exchange, self.actor

        def work(progress, cancel):
            return exchange.export_to(actor=actor, folder=folder, to=to, full=full,
                                      max_bytes=max_bytes, progress=progress, cancel=cancel)

        def done(paths) -> None:
            self.refresh()
            if not paths:
                QMessageBox.information(self, _("Send a bundle"), _(
                    "Nothing changed since the other office's last receipt: no bundle was "
                    "written. Tick \"Everything\" to send it all again."))
                return
            box = QMessageBox(QMessageBox.Icon.Information, _("Send a bundle"), _(
                "{n} bundle files were written to {folder}:\n{names}\n\nTake them to the "
                "other office (or attach them to an email); its receipt comes back to be "
                "received here.").format(n=len(paths), folder=folder,
                                         names="\n".join(p.name for p in paths)), parent=self)
            open_button = box.addButton(_("Open the folder"), QMessageBox.ButtonRole.ActionRole)
            box.addButton(QMessageBox.StandardButton.Ok)
            box.exec()
            if box.clickedButton() is open_button:
                open_file(folder)

        self.job = self.bus.ops.run(self, _("Writing the bundle"), work, on_done=done)
        return self.job

    def receive(self, path: str | None = None) -> None:
        """Choose a bundle (or a receipt), read and check it in the background, show
        what it would change, and apply it once the user agrees."""
        if path is None:
            path, _f = QFileDialog.getOpenFileName(
                self, _("Receive a bundle"), str(documents_folder()),
                _("Puskesos bundles (*.puskesos)"))
        if not path:
            return
        exchange, actor = self.services.exchange, self.actor

        def read(_progress, _cancel):
            received = exchange.open_received(actor=actor, path=Path(path))
            if received.is_receipt:
                return received, None
            try:
                return received, exchange.plan_received(actor=actor, received=received)
            except (RefusedBefore, NeedsSetup):
                raise                          # said when and why, answered then; or
                #                                taken once this office sets up what it needs
            except InvalidInput as exc:        # signed, but its records fail the checks
                receipt = exchange.refuse_received(actor=actor, received=received,
                                                   path=Path(path), why=exc.message)
                raise InvalidInput(exc.message + "\n\n" + _(
                    "A receipt saying why was written to {path}; take it back to the "
                    "sender.").format(path=receipt)) from None

        self.job = self.bus.ops.run(self, _("Checking the bundle"), read,
                                    on_done=lambda found: self._confirm(path, *found))

    def _confirm(self, path: str, received, plan) -> None:
        exchange, actor = self.services.exchange, self.actor
        if received.is_receipt:
            def acknowledge(_progress, _cancel):
                return exchange.import_file(actor=actor, path=Path(path))

            def told(result) -> None:
                self.refresh()
                sent = result.acknowledged
                QMessageBox.information(self, _("Receive a bundle"), _(
                    "Receipt read: bundle {n} to {peer} {status}.").format(
                    n=sent.sequence, peer=sent.peer_code,
                    status=_("was received") if sent.status == BundleStatus.ACCEPTED.value
                    else _("was refused")))

            self.job = self.bus.ops.run(self, _("Reading the receipt"), acknowledge,
                                        on_done=told)
            return
        dialog = PlanDialog(received, plan, self)
        self.open_dialogs.append(dialog)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        out_of_order = dialog.out_of_order.isChecked()
        self.open_dialogs.remove(dialog)
        dialog.deleteLater()
        if not accepted:
            return

        def apply(_progress, _cancel):
            return exchange.import_file(actor=actor, path=Path(path),
                                        out_of_order=out_of_order)

        def applied(result) -> None:
            self.refresh()
            self.bus.changed("household", [])
            QMessageBox.information(self, _("Receive a bundle"), _(
                "The bundle was applied: {new} new, {changed} changed, {waiting} waiting "
                "for a decision. The receipt for the sender was written to {path}; take it "
                "back to them.").format(new=result.plan.count("new"),
                                        changed=result.plan.count("changed"),
                                        waiting=result.plan.count("conflicts")
                                        + result.plan.count("proposals"),
                                        path=result.receipt_path))

        self.job = self.bus.ops.run(self, _("Applying the bundle"), apply, on_done=applied)


__all__ = ["ExchangePage", "shown_value"]
