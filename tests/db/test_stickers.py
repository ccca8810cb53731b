"""House labelling through the service (issue 15, first part), on both engines:
campaigns and their households, serials never skipped or reused (two writers at the
same moment included), the field log and what goes to the next verval cycle."""

import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from puskesos.core.codes import StickerOutcome as O
from puskesos.errors import InvalidInput
from puskesos.models import StickerCampaign, StickerTarget
from puskesos.services import open_services
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family, member

NOW = datetime.now().replace(microsecond=0)


def _home(services, serial: int, dusun: str, program: str | None = "PKH"):
    house, people = family()
    from puskesos.core.identifiers import make_kk
    from datetime import date
    house = replace(house, dusun=dusun, no_kk=make_kk(kecamatan_code="35.23.01",
                                                      recorded=date(2015, 6, 2),
                                                      serial=100 + serial))
    people = [member(f"KEPALA {serial}", serial=10 * serial + 1),
              member(f"ISTRI {serial}", "P", rel="2", serial=10 * serial + 2)]
    saved = services.households.save(actor=ADMIN, household=house, members=people)
    if program:
        services.programs.add_participation(actor=ADMIN, household_id=saved.id,
                                            program_code=program, period="2026")
    return saved.id


@pytest.fixture
def village(services):
    homes = {"b": _home(services, 1, "WETAN"), "a": _home(services, 2, "KRAJAN"),
             "c": _home(services, 3, "KRAJAN", program="BPNT"),
             "none": _home(services, 4, "KRAJAN", program=None)}
    return services, homes


def _campaign(services, **kwargs):
    values = dict(code="stk26", name="Labelisasi KPM 2026",
                  sticker_text="KELUARGA MISKIN PENERIMA BANTUAN", programs=["PKH"])
    values.update(kwargs)
    return services.stickers.create_campaign(actor=OPERATOR, **values)


def test_a_campaign_labels_the_recipients_in_area_order(village):
    services, homes = village
    c = _campaign(services, programs=["PKH", "BPNT"])
    assert (c.code, c.targets) == ("STK26", 3)
    rows = services.stickers.targets(actor=OPERATOR, campaign_id=c.id)
    assert [(r.serial, r.dusun) for r in rows] == [(1, "KRAJAN"), (2, "KRAJAN"),
                                                   (3, "WETAN")]
    assert rows[0].serial_text == "STK26-00001" and rows[0].head_name.startswith("KEPALA")
    assert homes["none"] not in {r.household_id for r in rows}
    assert all(r.outcome is None for r in rows)


def test_a_campaign_that_would_label_nobody_is_refused_and_nothing_is_stored(village):
    services, _homes = village
    with pytest.raises(InvalidInput):
        _campaign(services, programs=["RUTILAHU"])
    with pytest.raises(InvalidInput):
        _campaign(services, programs=[], desil=[])
    with pytest.raises(InvalidInput):
        _campaign(services, programs=["TIDAK_ADA"])
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(StickerCampaign)) == 0
    _campaign(services)
    with pytest.raises(InvalidInput):
        _campaign(services)                              # the code is taken


def test_serials_go_on_without_a_gap_even_for_two_writers_at_once(village, db_target):
    services, _homes = village
    c = _campaign(services)
    new = [_home(services, 10 + i, "KIDUL") for i in range(4)]
    assert len(new) == 4
    other = open_services(db_target)
    results, errors = [], []

    def add(svc):
        try:
            results.append(svc.stickers.add_targets(actor=OPERATOR, campaign_id=c.id))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    try:
        threads = [threading.Thread(target=add, args=(svc,)) for svc in (services, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.close()
    assert not errors and sorted(results) == [0, 4]
    with services.db.read() as s:
        serials = sorted(s.scalars(select(StickerTarget.serial).where(
            StickerTarget.campaign_id == c.id)))
    assert serials == list(range(1, 7))


def test_the_log_keeps_every_visit_and_the_latest_counts(village):
    services, homes = village
    c = _campaign(services, programs=["PKH", "BPNT"])
    log = services.stickers.record_outcome
    with pytest.raises(InvalidInput):        # not in the campaign
        log(actor=OPERATOR, campaign_id=c.id, household_id=homes["none"], outcome="terpasang",
            at=NOW, officers=["AGUS"])
    with pytest.raises(InvalidInput):        # a refusal says why
        log(actor=OPERATOR, campaign_id=c.id, household_id=homes["a"], outcome="ditolak",
            at=NOW, officers=["AGUS"])
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["a"], outcome="terpasang",
        at=NOW - timedelta(days=3), officers=["AGUS", "DEWI"], latitude=-6.9, longitude=111.6)
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["a"], outcome="rusak",
        at=NOW - timedelta(days=1), officers=["AGUS"], note="dicopot anak-anak")
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["b"], outcome="mundur",
        at=NOW, officers=["AGUS"], witnesses="Ketua RT 002")
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["c"], outcome="ditolak",
        at=NOW, officers=["AGUS"], note="rumah bagus, punya mobil", well_off=True)
    rows = {r.household_id: r for r in services.stickers.targets(actor=OPERATOR,
                                                                  campaign_id=c.id)}
    assert rows[homes["a"]].outcome == O.RUSAK_ATAU_DILEPAS.value
    assert rows[homes["a"]].visits == 2
    history = services.stickers.history(actor=OPERATOR, target_id=rows[homes["a"]].id)
    assert [h.outcome for h in history] == ["rusak", "terpasang"]
    assert history[1].officers == ("AGUS", "DEWI") and history[1].latitude == -6.9
    signals = services.stickers.for_verval(actor=OPERATOR)
    assert set(signals) == {homes["b"], homes["c"]}
    c_signal, b_signal = signals[homes["c"]], signals[homes["b"]]
    assert c_signal.visit.outcome == "ditolak" and c_signal.visit.well_off
    assert c_signal.visit.note == "rumah bagus, punya mobil"
    assert b_signal.target.serial_text.startswith("STK26-")
    assert b_signal.visit.witnesses == "Ketua RT 002" and b_signal.campaign_name == c.name
    # a household put right by a later visit no longer goes (the latest counts)
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["b"], outcome="terpasang",
        at=datetime.now(), officers=["AGUS"])
    assert set(services.stickers.for_verval(actor=OPERATOR)) == {homes["c"]}
    assert services.stickers.for_verval(actor=OPERATOR, household_ids=[homes["a"]]) == {}


def _jpeg(path, size=(2400, 1800), gps=True, color="#586"):
    from PIL import Image
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x0132] = "2026:12:01 08:30:00"
    if gps:
        exif[0x8825] = {1: "S", 2: (6.0, 52.0, 30.0), 3: "E", 4: (111.0, 35.0, 10.0)}
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def test_photos_of_a_visit_small_checked_and_a_duplicate_recognised(village, tmp_path):
    services, homes = village
    c = _campaign(services)
    visit = services.stickers.record_outcome(actor=OPERATOR, campaign_id=c.id,
                                             household_id=homes["a"], outcome="terpasang",
                                             at=NOW, officers=["AGUS"])
    first = _jpeg(tmp_path / "IMG_0001.jpg")
    text = tmp_path / "catatan.jpg"
    text.write_text("bukan foto")
    bomb = tmp_path / "besar.png"
    import struct
    import zlib
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header
                     + struct.pack(">I", zlib.crc32(b"IHDR" + header)))
    done = services.stickers.add_photos(actor=OPERATOR, log_id=visit.id,
                                        paths=[first, text, bomb])
    assert done.added == 1 and [name for name, _why in done.refused] == ["catatan.jpg",
                                                                       "besar.png"]
    again = services.stickers.add_photos(actor=OPERATOR, log_id=visit.id, paths=[first])
    assert (again.added, again.duplicates) == (0, ("IMG_0001.jpg",))
    from puskesos.models import StickerLog, StickerPhoto
    with services.db.read() as s:
        [photo] = s.scalars(select(StickerPhoto)).all()
        log = s.get(StickerLog, visit.id)
        assert (photo.latitude, photo.longitude) == (-6.875, 111.586111)
        assert photo.taken_at is not None and len(photo.data) < first.stat().st_size
        assert (log.latitude, log.longitude) == (-6.875, 111.586111)   # from the photo
    assert services.stickers.history(actor=OPERATOR, target_id=services.stickers.targets(
        actor=OPERATOR, campaign_id=c.id)[0].id)[0].photos == 1


def test_the_rekap_counts_each_households_latest_outcome(village, tmp_path):
    services, homes = village
    c = _campaign(services, programs=["PKH", "BPNT"])
    log = services.stickers.record_outcome
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["a"], outcome="terpasang",
        at=NOW - timedelta(days=2), officers=["AGUS"])
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["a"], outcome="rusak",
        at=NOW - timedelta(days=1), officers=["AGUS"], note="dicopot")
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["c"], outcome="mundur",
        at=NOW, officers=["AGUS"])
    _c, total, by_area, by_program = services.stickers.rekap(actor=OPERATOR)
    assert (total.households, total.not_visited, total.outcomes["rusak"],
            total.outcomes["terpasang"], total.outcomes["mundur"]) == (3, 1, 1, 0, 1)
    assert total.progress == 66.7
    programs = {x.name: x for x in by_program}
    assert programs["Bantuan Pangan Non Tunai/Sembako"].outcomes["mundur"] == 1
    assert programs["Program Keluarga Harapan"].households == 2
    assert sum(x.households for x in by_area) == 3
    import openpyxl
    path = services.stickers.rekap_xlsx(actor=OPERATOR, path=tmp_path / "rekap.xlsx")
    rows = list(openpyxl.load_workbook(path)["Keluarga"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[7] for r in rows) == ["Belum dikunjungi", "Mundur sukarela (graduasi mandiri)",
                                          "Rusak atau dilepas (perlu kunjungan ulang)"]
    services.settings.update_village(actor=ADMIN, kepala_desa="H. SUTRISNO",
                                     ketua_puskesos="SITI ROHMAH")
    doc = services.stickers.rekap_pdf(actor=OPERATOR)
    from tests.printing.pdfcheck import pages_text
    text = " ".join(" ".join(pages_text(doc.pdf)).split())
    assert "3 keluarga sasaran" in text and "belum dikunjungi 1" in text
    assert "Hasil menurut dusun" in text


def test_refusals_withdrawals_and_the_well_off_are_carried_into_the_verval_cycle(village):
    services, homes = village
    c = _campaign(services, programs=["PKH", "BPNT"])
    cycle = services.verval.create_cycle(actor=ADMIN, name="Verval 2026", period="2026-S2")
    log = services.stickers.record_outcome
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["a"], outcome="terpasang",
        at=NOW, officers=["AGUS"])
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["b"], outcome="mundur",
        at=NOW, officers=["AGUS"])
    log(actor=OPERATOR, campaign_id=c.id, household_id=homes["c"], outcome="tidak_ditemukan",
        at=NOW, officers=["AGUS"], note="rumah besar, pemilik tinggal di kota", well_off=True)
    assert services.stickers.carry_to_verval(actor=OPERATOR) == 2
    entries = {e.household_id for e in services.verval.entries(actor=OPERATOR,
                                                                cycle_id=cycle.id)}
    assert entries == {homes["b"], homes["c"]}
    assert services.stickers.carry_to_verval(actor=OPERATOR) == 0      # already there


def test_an_area_means_where_the_campaign_recorded_the_household(village):
    """A family that moves to another RT after its sticker was made is printed (and
    listed) with the area its sticker and the officers' checklist say."""
    from puskesos.models import Household
    from puskesos.services.registry import HouseholdFilter
    services, homes = village
    c = _campaign(services)
    target = next(t for t in services.stickers.targets(actor=OPERATOR, campaign_id=c.id)
                  if t.household_id == homes["a"])
    with services.db.write() as s:
        s.get(Household, homes["a"]).rt = "009"
    by_old = services.stickers.targets(actor=OPERATOR, campaign_id=c.id,
                                       area=HouseholdFilter(rt=str(int(target.rt))))
    assert homes["a"] in {t.household_id for t in by_old}
    by_new = services.stickers.targets(actor=OPERATOR, campaign_id=c.id,
                                       area=HouseholdFilter(rt="9"))
    assert by_new == []
