"""What an import keeps in memory does not change what it does: the families it made
keep only their size once written and are read back when a later row needs them
(services/imports/matching.py, _Family), and the same file gives the same report
and registry as when every record is kept."""

from datetime import date

from puskesos.core.identifiers import make_kk
from puskesos.services.imports import run_import

from tests.conftest import ADMIN
from tests.db.test_excel_import import KEC, _content, _issues, _mixed_rows, nik, write_xlsx


def _rows_coming_back():
    """Clean families, then rows of the same families further down the file: a person
    without a NIK (placeholder) matched by name and date of birth, a person without
    any NIK (rejected: known or not), a new member of a family made many rows before
    (its search text changes), and a family whose later row fills an empty value."""
    rows, later = [], []
    for family in range(40):
        kk = make_kk(kecamatan_code=KEC, recorded=date(2012, 1, 1), serial=family + 1)
        head_born = date(1950 + family, 1, 2)
        rows.append((f"D{family:04d}", kk, nik(head_born, "L", family + 1),
                     f"KEPALA {family}", "L", head_born, "KEPALA KELUARGA",
                     f"JL. DESA {family}", "KRAJAN" if family % 4 else None, 1, 2, 3))
        child_born = date(1990, 3, family % 28 + 1)
        rows.append((f"D{family:04d}", kk, "9999999999999995",
                     f"ANAK TANPA NIK {family}", "P", child_born, "ANAK",
                     f"JL. DESA {family}", "KRAJAN" if family % 4 else None, 1, 2, 3))
        if family % 3 == 0:      # the same child again, a letter different, in a later row
            later.append((f"D{family:04d}", kk, "9999999999999995",
                          f"ANAK TANPA NIK {family}X", "P", child_born, "ANAK",
                          f"JL. DESA {family}", "KRAJAN", 1, 2, 3))
        if family % 3 == 1:      # a row with no NIK at all for a person registered so
            later.append((f"D{family:04d}", kk, None, f"ANAK TANPA NIK {family}", "P",
                          child_born, "ANAK", f"JL. DESA {family}", "KRAJAN", 1, 2, 3))
        if family % 3 == 2:      # a new member of the family, far from its other rows
            born = date(2010, 5, family % 28 + 1)
            later.append((f"D{family:04d}", kk, nik(born, "L", 500 + family),
                          f"CUCU {family}", "L", born, "CUCU", f"JL. DESA {family}",
                          "KRAJAN", 1, 2, 3))
    return rows + later


def _import_both_ways(tmp_path, monkeypatch, rows, name):
    from puskesos.formats import rows as sheet_rows
    from puskesos.services import open_services
    from puskesos.services.imports.matching import Index
    path = write_xlsx(tmp_path / f"{name}.xlsx", rows)
    monkeypatch.setattr(sheet_rows._RowFilter, "BLOCK", 7)     # many blocks: many writes
    results = []
    read_back = []
    read_families = Index.read_families
    for keep_all in (True, False):
        if keep_all:
            monkeypatch.setattr(Index, "forget_written", lambda self: None)
        else:
            monkeypatch.undo()
            monkeypatch.setattr(sheet_rows._RowFilter, "BLOCK", 7)

            def counted(self, hids):
                read_back.append(len([h for h in hids if type(
                    self.members_by_household.get(h)).__name__ == "_Family"]))
                read_families(self, hids)
            monkeypatch.setattr(Index, "read_families", counted)
        svc = open_services(str(tmp_path / f"{name}-{keep_all}.sqlite"), create=True)
        svc.settings.init_village(actor=ADMIN, village_code="35.23.01.2001")
        try:
            reports = [run_import(svc, actor=ADMIN, path=path, dry_run=True),
                       run_import(svc, actor=ADMIN, path=path),
                       run_import(svc, actor=ADMIN, path=path)]     # the same file again
            results.append(([_issues(r) for r in reports], _content(svc)))
        finally:
            svc.close()
    return results, sum(read_back)


def test_families_read_back_give_what_families_kept_whole_give(tmp_path, monkeypatch):
    results, read_back = _import_both_ways(tmp_path, monkeypatch, _rows_coming_back(), "back")
    assert results[0] == results[1]
    summary = results[1][0][1][1]
    assert summary["created"] > 80 and summary["rejected"] and summary["updated"]
    known = [issue for issue in results[1][0][1][0] if issue["known"]]
    assert known and read_back          # families were read back, rows marked known


def test_a_mixed_file_imports_the_same_with_families_read_back(tmp_path, monkeypatch):
    results, read_back = _import_both_ways(tmp_path, monkeypatch, _mixed_rows(), "mixed")
    assert results[0] == results[1] and read_back
