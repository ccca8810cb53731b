"""Program & Sasaran's vulnerable groups (issue 17 point 3): the orphans with their
guardians and sponsors, the foster sponsors with what they offer, the coordinator's
matches; the elderly living alone and the severely disabled with the programs that
reach them.  Each list opens a family; each change asks why where it removes."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QRadioButton,
                               QSpinBox, QSplitter, QVBoxLayout, QWidget)

from ..core.case_codes import OfficeKind
from ..core.permissions import Permission
from ..core.targeting import FosterOffer, OrphanStatus
from ..errors import UserError
from ..i18n import _
from ..services.settings.village import VILLAGE_KEEPS_CARE
from .jobs import show_error
from .operations import write
from .table_model import DtoTableModel
from .widgets import FormDialog, fit_size, list_table, show_message


def _area(p) -> str:
    return " · ".join(x for x in (p.dusun, f"RT {p.rt}" if p.rt else "") if x) or "-"


class PersonFinder(QWidget):
    """Find a resident by name or NIK (as the referral intake does): ``member_id`` is
    the one chosen."""

    def __init__(self, services, actor, placeholder: str, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.member_id = services, actor, None
        self.find = QLineEdit()
        self.find.setPlaceholderText(placeholder)
        self.find.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMaximumHeight(self.fontMetrics().height() * 7)
        self._later = QTimer(self, singleShot=True, interval=300)
        self._later.timeout.connect(self.search)
        self.find.textEdited.connect(lambda _t: self._later.start())
        self.find.returnPressed.connect(self.search)
        self.results.currentItemChanged.connect(
            lambda item, _old: setattr(self, "member_id",
                                       item.data(Qt.ItemDataRole.UserRole) if item else None))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.find)
        layout.addWidget(self.results)

    def choose(self, person) -> None:
        """Show ``person`` (a resident found another way) as the one chosen."""
        self._later.stop()
        self.find.setText(person.name)
        self.results.clear()
        item = QListWidgetItem(" · ".join(x for x in (person.name, person.nik, _area(person))
                                          if x))
        item.setData(Qt.ItemDataRole.UserRole, person.member_id)
        self.results.addItem(item)
        self.results.setCurrentRow(0)

    def search(self) -> None:
        self._later.stop()
        self.results.clear()
        self.member_id = None
        text = self.find.text().strip()
        if not text:
            return
        try:
            people = self.services.referrals.find_people(text, actor=self.actor)
        except UserError as exc:
            show_error(self, exc)
            return
        for p in people:
            item = QListWidgetItem(" · ".join(x for x in (p.name, p.nik, _area(p)) if x))
            item.setData(Qt.ItemDataRole.UserRole, p.member_id)
            self.results.addItem(item)
        if people:
            self.results.setCurrentRow(0)


class OrphanDialog(FormDialog):
    """Record a child as an orphan, with the guardian who cares for them."""

    def __init__(self, services, actor, parent=None, suggestions=()):
        super().__init__(_("Record an orphan"), parent)
        self.services, self.actor = services, actor
        #: children the data suggests (a parent recorded as died): (person, status)
        self.suggestions = list(suggestions)
        self.suggested = QComboBox()
        self.suggested.addItem(_("— or find the child below —"), None)
        for i, (person, status) in enumerate(self.suggestions):
            self.suggested.addItem(f"{person.name} · {OrphanStatus.short_of(status)} · "
                                   f"{_area(person)}", i)
        self.suggested.currentIndexChanged.connect(lambda _i: self._suggest())
        self.child = PersonFinder(services, actor, _("The child's name or NIK"))
        self.status = QComboBox()
        for status in OrphanStatus:
            self.status.addItem(status.label, status.value)
        self.resident = QRadioButton(_("A resident of the registry"))
        self.outside = QRadioButton(_("A person outside the registry"))
        group = QButtonGroup(self)
        group.addButton(self.resident)
        group.addButton(self.outside)
        self.resident.setChecked(True)
        self.guardian = PersonFinder(services, actor, _("The guardian's name or NIK"))
        self.guardian_name = QLineEdit()
        self.guardian_nik = QLineEdit()
        self.guardian_nik.setMaxLength(24)
        self.relation = QLineEdit()
        self.relation.setPlaceholderText(_("e.g. grandfather, uncle, orphanage"))
        self.note = QLineEdit()
        self.resident.toggled.connect(lambda _on: self._guardian_kind())
        form = self.form
        if self.suggestions:
            form.addRow(_("Suggested"), self.suggested)
        form.addRow(_("Child"), self.child)
        form.addRow(_("Status"), self.status)
        kind = QHBoxLayout()
        kind.addWidget(self.resident)
        kind.addWidget(self.outside)
        form.addRow(_("Guardian"), kind)
        form.addRow("", self.guardian)
        form.addRow(_("Guardian's name"), self.guardian_name)
        form.addRow(_("Guardian's NIK"), self.guardian_nik)
        form.addRow(_("Relation to the child"), self.relation)
        form.addRow(_("Note"), self.note)
        self.body.addStretch(1)
        self._guardian_kind()
        fit_size(self, 640, 620)

    def _suggest(self) -> None:
        index = self.suggested.currentData()
        if index is None:
            return
        person, status = self.suggestions[index]
        self.child.choose(person)
        self.status.setCurrentIndex(max(self.status.findData(status), 0))

    def _guardian_kind(self) -> None:
        inside = self.resident.isChecked()
        self.guardian.setVisible(inside)
        self.guardian_name.setEnabled(not inside)
        self.guardian_nik.setEnabled(not inside)

    def save(self) -> None:
        if self.child.member_id is None:
            self.refuse(_("Find the child and choose them in the list."))
            return
        inside = self.resident.isChecked()
        if inside and self.guardian.member_id is None:
            self.refuse(_("Find the guardian and choose them in the list, or choose \"A "
                          "person outside the registry\"."))
            return
        self.commit(lambda: self.services.targeting.record_orphan(
                actor=self.actor, member_id=self.child.member_id,
                status=self.status.currentData(),
                guardian_member_id=self.guardian.member_id if inside else None,
                guardian_name=None if inside else self.guardian_name.text(),
                guardian_nik=None if inside else self.guardian_nik.text().strip() or None,
                guardian_relation=self.relation.text(), note=self.note.text()))


class SponsorDialog(FormDialog):
    """Record a resident willing to be a foster sponsor and what they offer."""

    def __init__(self, services, actor, parent=None):
        super().__init__(_("Record a foster sponsor"), parent)
        self.services, self.actor = services, actor
        self.person = PersonFinder(services, actor, _("The sponsor's name or NIK"))
        self.offers = {}
        offers = QVBoxLayout()
        for offer in FosterOffer:
            self.offers[offer.value] = box = QCheckBox(offer.label)
            offers.addWidget(box)
        self.capacity = QSpinBox()
        self.capacity.setRange(1, 20)
        self.note = QLineEdit()
        self.form.addRow(_("Sponsor"), self.person)
        self.form.addRow(_("Offers"), offers)
        self.form.addRow(_("For how many children"), self.capacity)
        self.form.addRow(_("Note"), self.note)
        self.body.addStretch(1)
        fit_size(self, 600, 520)

    def save(self) -> None:
        if self.person.member_id is None:
            self.refuse(_("Find the sponsor and choose them in the list."))
            return
        self.commit(lambda: self.services.targeting.record_sponsor(
            actor=self.actor, member_id=self.person.member_id,
            offers=[code for code, box in self.offers.items() if box.isChecked()],
            capacity=self.capacity.value(), note=self.note.text()))


class MatchDialog(FormDialog):
    """The coordinator chooses a sponsor for an orphan: those with room, the nearest
    first."""

    def __init__(self, services, actor, orphan, parent=None):
        super().__init__(_("Match a foster sponsor"), parent,
                         ok=QDialogButtonBox.StandardButton.Ok)
        self.services, self.actor, self.orphan = services, actor, orphan
        intro = QLabel(_("Sponsors with room for {child} ({status}, {area}), the nearest "
                         "first:").format(child=orphan.child.name,
                                          status=OrphanStatus.short_of(orphan.status).lower(),
                                          area=_area(orphan.child)))
        intro.setWordWrap(True)
        self.choices = QListWidget()
        self.choices.setWordWrap(True)
        self.choices.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for e in services.targeting.suggested_sponsors(actor=actor, orphan_id=orphan.id):
            # two short lines rather than one the list would scroll sideways for
            item = QListWidgetItem(_("{name} · {area}\n{offers} · {free} place(s) free")
                                   .format(name=e.person.name, area=_area(e.person),
                                           offers=e.offers_label, free=e.free))
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            self.choices.addItem(item)
        if self.choices.count():
            self.choices.setCurrentRow(0)
        self.note = QLineEdit()
        if not self.choices.count():
            show_message(self.message, _("No sponsor has room for another child. Record a "
                                         "sponsor first."), warning=True)
        self.choices.itemDoubleClicked.connect(lambda _i: self.save())
        self.form.addRow(_("Note"), self.note)
        self.body.insertWidget(0, intro)
        self.body.insertWidget(1, self.choices, 1)
        fit_size(self, 620, 460)

    def save(self) -> None:
        item = self.choices.currentItem()
        if item is None:
            self.refuse(_("Choose a sponsor in the list."))
            return
        self.commit(lambda: self.services.targeting.match(
            actor=self.actor, orphan_id=self.orphan.id,
            sponsor_id=item.data(Qt.ItemDataRole.UserRole), note=self.note.text()))


def _ask_reason(parent, title: str, text: str) -> str | None:
    reason, ok = QInputDialog.getText(parent, title, text, QLineEdit.EchoMode.Normal, "")
    return reason if ok else None


class _ReadWhenShown:
    """A view whose lists are read when it is shown, and again on a change only while
    it is shown (a change behind a hidden tab marks it stale): a family saved on
    another page does not read these lists on the window's thread."""

    stale = True

    def changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.stale:
            self.refresh()


class _ListView(QWidget):
    """A list of people that opens their family (Enter, double click)."""

    def __init__(self, services, actor, bus, open_household, columns, elastic, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.open_household = open_household
        self.model = DtoTableModel(columns)
        self.table = list_table(self.model, elastic=elastic)
        self.table.doubleClicked.connect(lambda _i: self.open_family())
        for key in ("Return", "Enter"):
            QShortcut(QKeySequence(key), self.table, activated=self.open_family,
                      context=Qt.ShortcutContext.WidgetShortcut)

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def person_of(self, row):
        return row.person

    def open_family(self):
        row = self.selected()
        if row is None or self.open_household is None:
            return None
        return self.open_household(self.person_of(row).household_id)


class OrphanList(_ListView):
    def person_of(self, row):
        return row.child


class CareView(_ReadWhenShown, QWidget):
    """Orphans and foster sponsors, side by side; the coordinator matches them."""

    def __init__(self, services, actor, bus, open_household=None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        #: at the kabupaten the village's records are not here to change
        self.at_kabupaten = services.settings.office().kind == OfficeKind.KABUPATEN.value
        self.orphans = OrphanList(services, actor, bus, open_household, [
            (_("Name"), lambda o: o.child.name),
            (_("Status"), lambda o: OrphanStatus.short_of(o.status)),
            (_("Guardian"), lambda o: o.guardian_name or "-"),
            (_("Sponsor"), lambda o: ", ".join(n for _m, n in o.sponsors) or "-"),
            (_("Programs"), lambda o: ", ".join(o.programs) or "-"),
            (_("Area"), lambda o: _area(o.child))], elastic=(2, 3, 0))
        self.sponsors = _ListView(services, actor, bus, open_household, [
            (_("Name"), lambda e: e.person.name),
            (_("Offers"), lambda e: e.offers_label),
            (_("Children"), lambda e: f"{len(e.children)}/{e.capacity}"),
            (_("Area"), lambda e: _area(e.person))], elastic=(1, 0))
        # (the selection, not the current row: it changes after the current row does)
        for view in (self.orphans, self.sponsors):
            view.table.selectionModel().selectionChanged.connect(
                lambda *_a: self.update_buttons())
        edit = actor.can(Permission.EDIT_REGISTRY)
        self.add_orphan = QPushButton(_("Record an &orphan…"))
        self.add_orphan.setToolTip(_("Children whose parent is recorded as died are "
                                     "suggested"))
        self.add_orphan.clicked.connect(lambda: self.record_orphan())
        self.match_button = QPushButton(_("&Match a sponsor…"))
        self.match_button.setToolTip(_("The coordinator chooses a sponsor for the child"))
        self.match_button.clicked.connect(lambda: self.match())
        self.end_button = QPushButton(_("&End a match…"))
        self.end_button.clicked.connect(lambda: self.end_match())
        self.remove_orphan_button = QPushButton(_("Take off the list…"))
        self.remove_orphan_button.clicked.connect(lambda: self.remove_orphan())
        self.add_sponsor = QPushButton(_("Record a &sponsor…"))
        self.add_sponsor.clicked.connect(lambda: self.record_sponsor())
        self.remove_sponsor_button = QPushButton(_("Take the sponsor off…"))
        self.remove_sponsor_button.clicked.connect(lambda: self.remove_sponsor())
        self.add_orphan.setEnabled(edit)
        self.add_sponsor.setEnabled(edit)
        for button in (self.add_orphan, self.match_button, self.end_button,
                       self.remove_orphan_button, self.add_sponsor,
                       self.remove_sponsor_button):
            button.setVisible(not self.at_kabupaten)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        def column(title: str, view, *buttons) -> QWidget:
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(QLabel(f"<b>{title}</b>"))
            layout.addWidget(view.table, 1)
            row = QHBoxLayout()
            for b in buttons:
                row.addWidget(b)
            row.addStretch(1)
            layout.addLayout(row)
            return box
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(column(_("Orphans"), self.orphans, self.add_orphan, self.match_button,
                               self.end_button, self.remove_orphan_button))
        split.addWidget(column(_("Foster sponsors (orang tua asuh)"), self.sponsors,
                               self.add_sponsor, self.remove_sponsor_button))
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        bus.data_changed.connect(lambda kind, _ids: self.changed()
                                 if kind in ("household", "orphan") else None)

    def refresh(self) -> None:
        self.stale = False
        orphans = self.services.targeting.orphans(actor=self.actor)
        sponsors = self.services.targeting.sponsors(actor=self.actor)
        self.orphans.model.set_rows(orphans)
        self.sponsors.model.set_rows(sponsors)
        alone = sum(1 for o in orphans if not o.sponsors)
        text = _("{n} orphans recorded, {alone} of them without a sponsor; {s} sponsors "
                 "with {free} places free.").format(
            n=len(orphans), alone=alone, s=len(sponsors), free=sum(e.free for e in sponsors))
        suggested = 0 if self.at_kabupaten else len(
            self.services.targeting.orphan_candidates(actor=self.actor))
        if self.at_kabupaten:
            text = _(VILLAGE_KEEPS_CARE)
        elif suggested:
            text += " " + _("{n} more children lost a parent by the registry's data: "
                            "\"Record an orphan\" suggests them.").format(n=suggested)
        self.summary.setText(text)
        for view in (self.orphans, self.sponsors):
            if view.model.rowCount():
                view.table.selectRow(0)
        self.update_buttons()

    def update_buttons(self) -> None:
        orphan, sponsor = self.orphans.selected(), self.sponsors.selected()
        edit = self.actor.can(Permission.EDIT_REGISTRY)
        approve = self.actor.can(Permission.APPROVE)
        self.match_button.setEnabled(orphan is not None and approve)
        self.end_button.setEnabled(orphan is not None and bool(orphan.sponsors) and approve)
        self.remove_orphan_button.setEnabled(orphan is not None and edit)
        self.remove_sponsor_button.setEnabled(sponsor is not None and edit)

    def _changed(self) -> None:
        self.bus.changed("orphan")

    def _ask(self, dialog: QDialog) -> bool:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self._changed()
        return True

    def record_orphan(self) -> bool:
        suggestions = self.services.targeting.orphan_candidates(actor=self.actor)
        return self._ask(OrphanDialog(self.services, self.actor, self, suggestions))

    def record_sponsor(self) -> bool:
        return self._ask(SponsorDialog(self.services, self.actor, self))

    def match(self) -> bool:
        orphan = self.orphans.selected()
        return orphan is not None and self._ask(
            MatchDialog(self.services, self.actor, orphan, self))

    def _do(self, work) -> bool:
        try:
            write(self, work)
        except UserError as exc:
            show_error(self, exc)
            return False
        self._changed()
        return True

    def end_match(self, reason: str | None = None) -> bool:
        orphan = self.orphans.selected()
        if orphan is None or not orphan.sponsors:
            return False
        match_id, sponsor = orphan.sponsors[0]
        if reason is None:
            reason = _ask_reason(self, _("End a match"), _(
                "End the match of {sponsor} with {child}? Say why (kept in the "
                "history).").format(sponsor=sponsor, child=orphan.child.name))
            if reason is None:
                return False
        return self._do(lambda: self.services.targeting.end_match(
            actor=self.actor, match_id=match_id, reason=reason))

    def remove_orphan(self, reason: str | None = None) -> bool:
        orphan = self.orphans.selected()
        if orphan is None:
            return False
        if reason is None:
            reason = _ask_reason(self, _("Take off the list"), _(
                "Take {child} off the orphans' list? Say why (kept in the history).")
                .format(child=orphan.child.name))
            if reason is None:
                return False
        return self._do(lambda: self.services.targeting.remove_orphan(
            actor=self.actor, orphan_id=orphan.id, reason=reason))

    def remove_sponsor(self, reason: str | None = None) -> bool:
        sponsor = self.sponsors.selected()
        if sponsor is None:
            return False
        if reason is None:
            reason = _ask_reason(self, _("Take the sponsor off"), _(
                "Take {name} off the sponsors' list? Their matches end. Say why (kept in "
                "the history).").format(name=sponsor.person.name))
            if reason is None:
                return False
        return self._do(lambda: self.services.targeting.remove_sponsor(
            actor=self.actor, sponsor_id=sponsor.id, reason=reason))


class VulnerableView(_ReadWhenShown, _ListView):
    """Elderly people living alone and severely disabled people, with the programs
    that reach them (none: they are flagged too)."""

    def __init__(self, services, actor, bus, open_household=None, parent=None):
        super().__init__(services, actor, bus, open_household, [
            (_("Name"), lambda v: v.person.name),
            (_("Why"), lambda v: v.why),
            (_("Programs"), lambda v: ", ".join(v.programs) or _("none")),
            (_("Area"), lambda v: _area(v.person))], elastic=(1, 0), parent=parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.open_button = QPushButton(_("Open the &family…"))
        self.open_button.clicked.connect(lambda: self.open_family())
        self.open_button.setEnabled(open_household is not None)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        bus.data_changed.connect(lambda kind, _ids: self.changed()
                                 if kind in ("household", "setting") else None)

    def refresh(self) -> None:
        self.stale = False
        rows = self.services.targeting.vulnerable(actor=self.actor)
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        self.summary.setText(_("{n} people: {alone} elderly living alone, {severe} severely "
                               "disabled; {none} receive no program.").format(
            n=len(rows), alone=sum(v.elderly_alone for v in rows),
            severe=sum(v.severe for v in rows), none=sum(not v.programs for v in rows)))


__all__ = ["CareView", "MatchDialog", "OrphanDialog", "PersonFinder", "SponsorDialog",
           "VulnerableView"]
