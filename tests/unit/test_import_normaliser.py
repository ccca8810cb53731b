"""The import's fast cell reading gives the same answers as the reference rules."""

import random
from datetime import date, datetime

from puskesos.core.identifiers import (check_kk, check_nik, kk_date_ok, make_kk, make_nik,
                                       nik_birth, well_formed)
from puskesos.services.imports.rows import FIELDS, Normaliser, normalise_row
from puskesos.formats.sheet import display_cells
from puskesos.formats.sheet import row_values as _values

TODAY = date(2026, 6, 1)


def _number_variants(rng, text):
    return [text, f" {text} ", f"'{text}", text[:-1], text + "1", text.replace("35", "99", 1),
            text[:2] + "00" + text[4:], text[:12] + "0000", text[:6] + "32" + text[8:],
            text[:6] + "73" + text[8:], text[:8] + "13" + text[10:], "9999999999999995",
            f"{int(text[:15]) / 10:.5E}".replace(".", ","), float(text[:15]), int(text),
            int(text[:15]) * 10, "", "  ", None, True, "3523ab" + text[6:], "\u200b" + text]


#: cells a hostile or damaged file adds (an .xlsx written by openpyxl cannot hold the
#: control characters, so only the normaliser's own test uses them)
HOSTILE = {
    "name": ["SRI\x00WAHYUNI", "\u202eBUDI", "\x07", "A" * 121, "B" * 120, "siti\taminah"],
    "birth_place": ["TU\x00BAN", "T" * 81],
    "dtsen_id": ["D\x0101", "D" * 41, "\u2066D01\u2069"],
    "address": ["JL.\u202d MANGGA", "J" * 201],
    "dusun": ["KRA\x1bJAN", "K" * 81],
}


def _cells(rng, hostile: bool = False):
    def pick(field, choices):
        return rng.choice(choices + HOSTILE[field] if hostile else choices)

    born = date(1930, 1, 1) + (date(2025, 1, 1) - date(1930, 1, 1)) * rng.random()
    sex = rng.choice("LP")
    nik = make_nik(kecamatan_code="35.23.01", birth_date=born, sex=sex,
                   serial=rng.randint(1, 9999))
    kk = make_kk(kecamatan_code="35.23.01", recorded=date(2010, 2, 3), serial=rng.randint(1, 9))
    if rng.random() < 0.5:
        nik = rng.choice(_number_variants(rng, nik))
    if rng.random() < 0.3:
        kk = rng.choice(_number_variants(rng, kk))
    shown_born = rng.choice([born.strftime("%d-%m-%Y"), born.strftime("%d/%m/%Y"), born.isoformat(),
                             datetime(born.year, born.month, born.day), born, "31-02-1990",
                             "1-1-90", float((born - date(1899, 12, 30)).days),
                             (born - date(1899, 12, 30)).days, True, "", None, "bukan"])
    return {
        "nik": nik,
        "sex": rng.choice([sex, "L", "P", "laki-laki", "PEREMPUAN", 1, 2, 1.0, 2.0, True, "X",
                           "", None]),
        "birth_date": shown_born,
        "name": pick("name", ["  siti   aminah ", "BUDI", "", "  ", None, 12, "Ñoño  x",
                              "\u200bAGUS"]),
        "relationship": rng.choice(["KEPALA KELUARGA", "anak", "3", 3, 3.0, "istri", "xx", "",
                                    None, True]),
        "presence": rng.choice(["TINGGAL", "1", 1, "meninggal dunia", "??", None, ""]),
        "birth_place": pick("birth_place", ["tuban", " TUBAN ", None, 5, ""]),
        "no_kk": kk,
        "dtsen_id": pick("dtsen_id", ["D0001", "D 0001", "3E5", "1.0", 12.0, 7, None, "",
                                      "'D01"]),
        "rt": rng.choice([1, 1.0, "001", "1", "1,0", 1000, -1, "x", True, None, "", 2.5]),
        "rw": rng.choice([2, 2.0, "002", "02", None, "", "rw"]),
        "desil": rng.choice([1, 10, 11, 0, 1.0, "3", "3.0", True, None, "", "satu"]),
        "address": pick("address", ["jl.  mangga 1", None, "", 12, "JL. MANGGA 1"]),
        "dusun": pick("dusun", ["krajan", "KRAJAN ", None, ""]),
    }


def _same(fast, slow):
    if slow[0] is None or fast[0] is None:
        return fast[0] is slow[0] and fast[1] == slow[1]
    a, b = fast[0], slow[0]
    return (a.line, a.nik, a.placeholder, a.member, a.household, a.warnings, a.raw_kk) == \
        (b.line, b.nik, b.placeholder, b.member, b.household, b.warnings, b.raw_kk) \
        and fast[1] is None and slow[1] is None and a.cells == b.cells


def test_block_reading_gives_the_reference_answer_for_every_row():
    rng = random.Random(7)
    keys = tuple(f for f in FIELDS if f != "presence") + ("presence",)
    normaliser = Normaliser(keys, TODAY)
    for _round in range(20):
        block = []
        for i in range(200):
            cells = _cells(rng, hostile=True)
            values = tuple(cells[k] for k in keys)
            raw = [None, *values]
            block.append((i + 5, raw, values))
        fast = normaliser.block(block, 1)
        assert len(fast) == len(block)
        for (line, raw, values), answer in zip(block, fast):
            from puskesos.formats.sheet import SheetRow as _SheetRow
            source = _SheetRow(line, values=_values(keys, values), raw=raw, pad=1)
            slow = normalise_row(source, today=TODAY)
            assert _same(answer, slow), (values, answer, slow)
            if answer[0] is not None:
                assert answer[0].cells == display_cells(raw, 1)


def test_missing_columns_read_as_empty():
    normaliser = Normaliser(("nik", "name"), TODAY)
    nik = make_nik(kecamatan_code="35.23.01", birth_date=date(1980, 8, 17), sex="P", serial=5)
    [(row, reason)] = normaliser.block([(4, [nik, "ani"], (nik, "ani"))], 0)
    assert reason is None and row.member["sex"] == "P" and row.household["no_kk"] is None


def test_quick_identifier_checks_agree_with_the_full_checks():
    rng = random.Random(3)
    for _ in range(20000):
        digits = "".join(rng.choice("0123456789") for _ in range(16))
        if rng.random() < 0.7:
            digits = rng.choice(["35", "32", "11", "99"]) + digits[2:]
        nik = check_nik(digits, today=TODAY)
        quick = nik_birth(digits, TODAY) if well_formed(digits) else None
        if quick is None:
            assert nik.issues or nik.info.birth_date is None or nik.info.placeholder
        else:
            assert not nik.issues and (nik.info.birth_date, nik.info.sex) == quick
        assert (well_formed(digits) and kk_date_ok(digits)) == check_kk(digits, today=TODAY).ok


def test_block_reading_of_dtsen_answers_gives_the_reference_answer():
    """Files with answer columns: the same answers and warnings either way."""
    rng = random.Random(11)
    answers = {
        "difficulty_seeing": [1, 2.0, "3", "Tidak mengalami kesulitan", "5", "buta", None, "",
                              True],
        "documents": ["5", 5, "Akta kelahiran, KTP", "ktp+kia", "0", "Tidak punya", 8,
                      "paspor", None],
        "highest_grade": [6, 6.0, "6", "2.5", 9, -1, None, "enam"],
        "internet": ["3", 0, "Ya, wifi", "4", None],
        "land_area": [250, "250,5", 99.5, "luas", -3, None],
    }
    keys = tuple(FIELDS) + tuple(answers)
    normaliser = Normaliser(keys, TODAY)
    block = []
    for i in range(400):
        cells = _cells(rng, hostile=True)
        cells.update({k: rng.choice(v) for k, v in answers.items()})
        values = tuple(cells[k] for k in keys)
        block.append((i + 2, [*values], values))
    fast = normaliser.block(block, 0)
    told = 0
    for (line, raw, values), answer in zip(block, fast):
        from puskesos.formats.sheet import SheetRow as _SheetRow
        source = _SheetRow(line, values=_values(keys, values), raw=raw, pad=0)
        slow = normalise_row(source, today=TODAY)
        assert _same(answer, slow), (values, answer, slow)
        if answer[0] is not None:
            told += any("bukan jawaban" in w for w in answer[0].warnings)
    assert told > 10
