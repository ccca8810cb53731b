"""The demo village is realistic: valid identifiers except the planted problems."""

from datetime import date

from puskesos.core.identifiers import check_kk, check_nik
from tests.helpers import connect


def test_demo_identifiers_are_valid_except_planted(demo_db):
    con = connect(demo_db)
    rows = con.execute("SELECT nik, birth_date, sex FROM member WHERE nik IS NOT NULL").fetchall()
    problems = 0
    for nik, born, sex in rows:
        result = check_nik(nik, birth_date=date.fromisoformat(born), sex=sex)
        assert result.ok, (nik, result.errors)
        problems += bool(result.warnings)
    assert 0 < problems < len(rows) * 0.02  # only the planted mismatches
    for (kk,) in con.execute("SELECT no_kk FROM household WHERE no_kk IS NOT NULL"):
        assert check_kk(kk).ok


def test_demo_households_have_exactly_one_head_except_planted(demo_db):
    con = connect(demo_db)
    heads = dict(con.execute(
        "SELECT h.id, (SELECT count(*) FROM member m WHERE m.household_id = h.id "
        "AND m.relationship_code = '1' AND m.presence = '1') FROM household h").fetchall())
    headless = [h for h, n in heads.items() if n == 0]
    assert 1 <= len(headless) <= 3
    assert all(n <= 1 for n in heads.values())


def test_programs_mostly_follow_desil(demo_db):
    con = connect(demo_db)
    by_desil = dict(con.execute(
        "SELECT CASE WHEN h.desil <= 4 THEN 'low' ELSE 'high' END, count(*) "
        "FROM participation p JOIN household h ON h.id = p.household_id "
        "WHERE p.program_code IN ('PKH', 'BPNT') GROUP BY 1").fetchall())
    assert by_desil["low"] > 10 * by_desil.get("high", 0)
