"""The letter register: numbers per letter type and year, atomic, without gaps.

A number is taken in the same transaction that records the letter, with the
counter row locked (PostgreSQL ``FOR UPDATE``; SQLite's single writer), so
two operators never get the same number and a failed save never leaves a
gap.  A void letter keeps its number with the reason; numbers of letters
typed outside the program can be recorded so that the sequence stays whole.
The pattern of the number text is configurable per letter type, e.g.
``{kode}/{nomor:03d}/{kode_desa}/{bulan_romawi}/{tahun}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ..core.codes import LetterStatus
from ..core.validation import PLACE_LIMIT, checked_text
from ..core.permissions import Permission
from ..db.engine import Database
from ..errors import InvalidInput, NotFound
from ..i18n import _
from ..models import Letter, LetterCounter, Setting, utcnow
from . import audit
from .audit import Change
from .context import Actor, require

if TYPE_CHECKING:
    from .settings import SettingsService

LETTER_TYPES_KEY = "letter_types"
DEFAULT_PATTERN = "{kode}/{nomor:03d}/{kode_desa}/{bulan_romawi}/{tahun}"
#: classification codes per letter type (configurable in settings)
DEFAULT_TYPES = {
    "sktm": {"kode": "460", "pattern": DEFAULT_PATTERN, "name": "Surat Keterangan Tidak Mampu"},
    "rujukan": {"kode": "460", "pattern": DEFAULT_PATTERN, "name": "Surat Rujukan"},
    "berita_acara": {"kode": "460", "pattern": DEFAULT_PATTERN,
                     "name": "Berita Acara Musyawarah Desa"},
    "pernyataan_mundur": {"kode": "460", "pattern": DEFAULT_PATTERN,
                          "name": "Surat Pernyataan Mundur dari Bantuan Sosial"},
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass(frozen=True)
class LetterNumber:
    id: str
    letter_type: str
    year: int
    number: int
    text: str
    status: str
    external: bool
    issued_at: datetime
    void_reason: str | None


def format_number(pattern: str, *, kode: str, nomor: int, kode_desa: str,
                  when: datetime) -> str:
    """The number text for a pattern; an unknown placeholder is an InvalidInput."""
    try:
        return pattern.format(kode=kode, nomor=nomor, kode_desa=kode_desa,
                              bulan=when.month, bulan_romawi=ROMAN[when.month - 1],
                              tahun=when.year)
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(_("The letter number pattern {pattern} has an unknown or broken "
                             "placeholder ({error}). Use {{kode}}, {{nomor:03d}}, "
                             "{{kode_desa}}, {{bulan}}, {{bulan_romawi}} and {{tahun}}.")
                           .format(pattern=pattern, error=exc)) from None


def keep_first_letter(session, row, issued_id: str) -> str:
    """Record ``issued_id`` as the letter of ``row`` (a record with ``letter_id``, locked
    by the caller) unless it already has one still in force — another operator's, printed
    at the same moment — and return the id in force (a void letter is replaced)."""
    if row.letter_id and row.letter_id != issued_id:
        current = session.get(Letter, row.letter_id)
        if current is not None and current.status != LetterStatus.VOID.value:
            return row.letter_id
    row.letter_id = issued_id
    return issued_id


def _dto(row: Letter) -> LetterNumber:
    return LetterNumber(row.id, row.letter_type, row.year, row.number, row.number_text,
                        row.status, row.external, row.issued_at, row.void_reason)


class LetterRegister:
    def __init__(self, db: Database, *, settings: SettingsService):
        self._db = db
        self._settings = settings

    def letter_types(self) -> dict[str, dict]:
        """The letter types (code, pattern, title), the defaults with the office's changes."""
        with self._db.read() as s:
            row = s.get(Setting, LETTER_TYPES_KEY)
            configured = dict(row.value) if row and row.value else {}
        types = {k: dict(v) for k, v in DEFAULT_TYPES.items()}
        for key, value in configured.items():
            types.setdefault(key, {}).update(value)
        return types

    def _type(self, letter_type: str) -> dict:
        types = self.letter_types()
        if letter_type not in types:
            raise InvalidInput(_("Unknown letter type {type}.").format(type=letter_type))
        return types[letter_type]

    def _counter(self, s, letter_type: str, year: int) -> LetterCounter:
        dialect = s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        s.execute(insert(LetterCounter).values(letter_type=letter_type, year=year,
                                               last_number=0)
                  .on_conflict_do_nothing(index_elements=["letter_type", "year"]))
        return s.execute(select(LetterCounter).where(
            LetterCounter.letter_type == letter_type, LetterCounter.year == year)
            .with_for_update()).scalar_one()

    def issue(self, *, actor: Actor, letter_type: str, subject: str | None = None,
              entity: str | None = None, entity_id: str | None = None,
              when: datetime | None = None) -> LetterNumber:
        """Take the next number of this type and year and record the letter."""
        require(actor, Permission.EDIT_REGISTRY)
        subject = checked_text(_("Subject"), subject, PLACE_LIMIT)
        config = self._type(letter_type)
        when = when or datetime.now()
        village = self._settings.village().code
        # the pattern is checked before a number is taken
        format_number(config.get("pattern", DEFAULT_PATTERN), kode=config.get("kode", ""),
                      nomor=1, kode_desa=village, when=when)
        with self._db.write() as s:
            counter = self._counter(s, letter_type, when.year)
            counter.last_number += 1
            number = counter.last_number
            text = format_number(config.get("pattern", DEFAULT_PATTERN),
                                 kode=config.get("kode", ""), nomor=number, kode_desa=village,
                                 when=when)
            row = Letter(letter_type=letter_type, year=when.year, number=number,
                         number_text=text, actor=actor.username, subject=subject,
                         entity=entity, entity_id=entity_id, issued_at=utcnow())
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("letter", row.id, "number_text", None,
                                                     text)], subject)
            return _dto(row)

    def record_external(self, *, actor: Actor, letter_type: str, year: int, number: int,
                        number_text: str, subject: str | None = None) -> LetterNumber:
        """Record a number given to a letter typed outside the program."""
        require(actor, Permission.EDIT_REGISTRY)
        subject = checked_text(_("Subject"), subject, PLACE_LIMIT)
        self._type(letter_type)
        if number < 1:
            raise InvalidInput(_("A letter number starts at 1."))
        with self._db.write() as s:
            counter = self._counter(s, letter_type, year)
            taken = s.scalar(select(Letter).where(Letter.letter_type == letter_type,
                                                  Letter.year == year, Letter.number == number))
            if taken is not None:
                raise InvalidInput(_("Number {number} of {year} is already in the register "
                                     "({text}).").format(number=number, year=year,
                                                         text=taken.number_text))
            counter.last_number = max(counter.last_number, number)
            row = Letter(letter_type=letter_type, year=year, number=number,
                         number_text=number_text.strip(), actor=actor.username,
                         subject=subject, external=True, issued_at=utcnow())
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("letter", row.id, "number_text", None,
                                                     row.number_text)], "external letter")
            return _dto(row)

    def void(self, *, actor: Actor, letter_id: str, reason: str) -> LetterNumber:
        """Void a numbered letter with a reason; its number is never given again."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        with self._db.write() as s:
            row = s.get(Letter, letter_id, with_for_update=True)
            if row is None:
                raise NotFound(_("That letter is not in the register."))
            if row.status == LetterStatus.VOID.value:
                raise InvalidInput(_("That letter is already void."))
            row.status, row.void_reason = LetterStatus.VOID.value, reason.strip()
            audit.append(s, actor, "update", [Change("letter", row.id, "status", "issued",
                                                     "void")], reason)
            return _dto(row)

    def register(self, *, letter_type: str, year: int, actor: Actor) -> list[LetterNumber]:
        """The letters of one type and year, by number (voided ones included)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return [_dto(r) for r in s.scalars(select(Letter).where(
                Letter.letter_type == letter_type, Letter.year == year)
                .order_by(Letter.number))]

    def gaps(self, *, letter_type: str, year: int, actor: Actor) -> list[int]:
        """Numbers missing between 1 and the counter (there should never be any)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            numbers = set(s.scalars(select(Letter.number).where(
                Letter.letter_type == letter_type, Letter.year == year)))
            last = s.scalar(select(func.max(LetterCounter.last_number)).where(
                LetterCounter.letter_type == letter_type, LetterCounter.year == year)) or 0
        return [n for n in range(1, last + 1) if n not in numbers]
