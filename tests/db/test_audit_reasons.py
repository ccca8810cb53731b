"""The program's own audit reasons are stored as a code and told in the reader's
language (issue 12): the demo village's history says "data contoh (seri 7)" in an
Indonesian window, never "demo data (seed 7)"."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

from puskesos import i18n
from puskesos.services import open_services
from puskesos.services.audit import coded_reason, reason_code, reason_text
from puskesos.services.registry.history import household_history

from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family, copy_village


def _reasons(services, household_id) -> set[str]:
    return {line.reason for line in household_history(services, actor=ADMIN,
                                                      household_id=household_id)
            if line.reason}


def test_the_demo_reason_is_shown_in_the_language_of_the_window(demo_db, tmp_path):
    copy_village(demo_db, tmp_path / "desa.sqlite")
    services = open_services(str(tmp_path / "desa.sqlite"))
    try:
        rows, _total = services.households.search(actor=ADMIN, limit=1)
        stored = {e.reason for e in services.audit.recent(actor=ADMIN, limit=5000)}
        assert coded_reason("demo", seed=7) in stored       # a code, not words
        assert _reasons(services, rows[0].id) == {"data contoh (seri 7)"}
        i18n.set_language("en")
        assert _reasons(services, rows[0].id) == {"demo data (seed 7)"}
    finally:
        i18n.set_language("id")
        services.close()


def test_accepted_warnings_are_told_in_the_language_of_the_reader(services):
    house, people = family()
    people[2] = replace(people[2], birth_date=date(2008, 1, 6))  # the NIK says the 5th
    dto = services.households.save(actor=OPERATOR, household=house, members=people,
                                   accept_warnings="akta kelahiran menyebut tanggal 6")
    assert _reasons(services, dto.id) == {
        "peringatan diterima: akta kelahiran menyebut tanggal 6"}
    i18n.set_language("en")
    try:
        assert _reasons(services, dto.id) == {
            "warnings accepted: akta kelahiran menyebut tanggal 6"}
    finally:
        i18n.set_language("id")


def test_a_reason_someone_typed_is_shown_as_typed():
    for typed in ("pindah ke Surabaya", "@demo tanpa kode", "@unknown {}", "@demo {bad",
                  "", None):
        assert reason_code(typed) is None
        assert reason_text(typed) == typed
    nested = coded_reason("reason_warnings_accepted",
                          reason=coded_reason("verval_approved"), accepted="verval")
    assert reason_code(nested)[0] == "reason_warnings_accepted"
    assert reason_text(nested) == "perbaikan hasil verval disetujui (peringatan diterima: " \
        "verval)"
