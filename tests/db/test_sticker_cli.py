"""The sticker command line (issue 15 point 6, first part): a demo village has a
campaign with a visit of every outcome; a campaign and a visit made by command."""


from puskesos.core.codes import StickerOutcome
from tests.db.test_cli import village  # noqa: F401  (the demo village, copied)
from tests.helpers import cli_json as _json


def test_the_demo_campaign_has_every_outcome_and_lists_as_objects(cli, village):
    rows = _json(cli("--db", str(village), "sticker", "list", "--json"))
    assert all({"household", "outcome", "serial"} <= set(r) for r in rows)
    assert {r["outcome"] for r in rows if r["outcome"]} == {o.value for o in StickerOutcome}
    assert len({r["serial"] for r in rows}) == len(rows)
    assert max(r["visits"] for r in rows) == 2          # a torn sticker put up again


def test_a_campaign_and_a_visit_by_command(cli, village, tmp_path):
    made = _json(cli("--db", str(village), "sticker", "campaign", "add", "--code", "pbi26",
                     "--name", "Labelisasi PBI", "--text", "PENERIMA PBI", "--desil", "1",
                     "--json"))
    assert made["code"] == "PBI26" and made["targets"] > 0
    refused = cli("--db", str(village), "sticker", "log", "1", "--campaign", "PBI26",
                  "--outcome", "ditolak", "--officer", "AGUS")
    assert refused.returncode == 2 and "catatan" in refused.stderr
    logged = _json(cli("--db", str(village), "sticker", "log", "PBI26-00001", "--campaign",
                       "PBI26", "--outcome", "terpasang", "--officer", "AGUS",
                       "--officer", "DEWI", "--at", "01-12-2026 09:30", "--json"))
    assert logged["outcome"] == "terpasang" and logged["officers"] == ["AGUS", "DEWI"]
    rows = _json(cli("--db", str(village), "sticker", "list", "--campaign", "pbi26", "--json"))
    assert rows[0]["outcome"] == "terpasang" and rows[0]["visits"] == 1
    nobody = cli("--db", str(village), "sticker", "campaign", "add", "--code", "x1",
                 "--name", "x", "--text", "x", "--program", "RUTILAHU")
    assert nobody.returncode == 2 and "tidak akan melabeli" in nobody.stderr


def test_stickers_and_the_rekap_print_from_the_command_line(cli, village, tmp_path):
    from tests.printing.pdfcheck import pages_text
    stickers, rekap, book = tmp_path / "s.pdf", tmp_path / "r.pdf", tmp_path / "r.xlsx"
    rows = _json(cli("--db", str(village), "sticker", "list", "--json"))
    rt = rows[0]["rt"]
    done = cli("--db", str(village), "print", "stickers", "--rt", rt, "--out", str(stickers))
    assert done.returncode == 0, done.stderr
    text = " ".join(pages_text(stickers.read_bytes()))
    in_rt = [r["serial"] for r in rows if r["rt"] == rt]
    assert all(serial in text for serial in in_rt)
    assert not any(r["serial"] in text for r in rows if r["rt"] != rt)
    assert cli("--db", str(village), "print", "rekap-stiker", "--out", str(rekap)
               ).returncode == 0
    assert "REKAP PENEMPELAN STIKER" in " ".join(pages_text(rekap.read_bytes()))
    assert cli("--db", str(village), "print", "rekap-stiker", "--out", str(book)
               ).returncode == 0 and book.stat().st_size > 0
