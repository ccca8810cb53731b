"""The ``bars`` block: a bar chart read back from the PDF (text, positions, pixels)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from puskesos.printing import load_template, preflight, render
from puskesos.printing.bars import axis_ticks, number_text
from puskesos.printing.fonts import font
from puskesos.printing.template import TemplateError

from .pdfcheck import pages_text, render_page

CATEGORIES = ["Kesehatan", "Pendidikan", "Administrasi kependudukan", "Bansos/DTSEN",
              "Disabilitas", "Lansia", "Anak", "Rumah tidak layak huni", "Ekonomi/pekerjaan",
              "Bencana", "Lainnya"]

TEMPLATE = """
[document]
title = "Rekap rujukan"
{before}
[[block]]
type = "bars"
rows = "kategori"
title = "Rujukan menurut kategori"
label = "{{nama}}"
series = [{{ title = "Diterima", value = "{{diterima}}" }},
          {{ title = "Selesai di desa", value = "{{selesai}}" }},
          {{ title = "Dirujuk", value = "{{dirujuk}}" }}]
empty = "Belum ada rujukan bulan ini."
{extra}

[[block]]
type = "text"
text = "Sesudah grafik."
"""


def template(tmp_path: Path, before: str = "", extra: str = "", text: str | None = None):
    path = tmp_path / "rekap.toml"
    path.write_text(text or TEMPLATE.format(before=before, extra=extra), encoding="utf-8")
    return load_template("rekap", path)


def month(names=CATEGORIES) -> list[dict]:
    return [{"nama": name, "diterima": 3 * i % 13 + 1, "selesai": i % 4, "dirujuk": 2 * i % 7}
            for i, name in enumerate(names)]


def printed(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float]]:
    """(text, x, y, size) of every string drawn on the page, in drawing order."""
    out = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            out.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], size))
    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def test_labels_and_values_print_in_order_with_legend_and_axis(tmp_path):
    rows = month()
    context = {"kategori": rows}
    chart = template(tmp_path)
    assert preflight(chart, context) == []
    doc = render(chart, context)
    assert doc.pages == 1
    strings = [text for text, *_pos in printed(doc.pdf)]
    start = strings.index("Rujukan menurut kategori")
    assert strings[start + 1:start + 4] == ["Diterima", "Selesai di desa", "Dirujuk"]
    # each category, then its three values, category after category
    expected = []
    for row in rows:
        expected += [row["nama"], str(row["diterima"]), str(row["selesai"]),
                     str(row["dirujuk"])]
    assert strings[start + 4:start + 4 + len(expected)] == expected
    # the value axis: whole numbers from 0 past the largest value (13), then the next block
    assert strings[start + 4 + len(expected):] == ["0", "5", "10", "15", "Sesudah grafik."]


def test_a_bar_is_as_long_as_its_value(tmp_path):
    """Looked at as pixels: the darkest bars (first series) of 10 and 5 are 2:1."""
    text = TEMPLATE.format(before="", extra="").replace(
        "series = [", "series = [{ title = \"Diterima\", value = \"{diterima}\" }]\n#")
    text = text.replace('          { title = "Selesai di desa", value = "{selesai}" },\n', "")
    text = text.replace('          { title = "Dirujuk", value = "{dirujuk}" }]\n', "")
    chart = template(tmp_path, text=text)
    context = {"kategori": [{"nama": "A", "diterima": 10}, {"nama": "B", "diterima": 5}]}
    assert preflight(chart, context) == []
    page = render_page(render(chart, context).pdf, tmp_path, dpi=100)
    runs = []  # the longest run of bar grey (0.25 → 64) on each pixel row
    for y in range(page.height):
        row = [page.getpixel((x, y)) for x in range(page.width)]
        best = length = 0
        for value in row:
            length = length + 1 if 50 <= value <= 80 else 0
            best = max(best, length)
        runs.append(best)
    long_bar = max(runs)
    short_bar = max(r for r in runs if r < long_bar * 0.75)
    assert long_bar > 250  # the bar of the largest value reaches across the plot
    assert abs(long_bar / short_bar - 2) < 0.05


def test_an_empty_month_prints_the_empty_text(tmp_path):
    chart = template(tmp_path)
    # an empty list names its fields in _row_keys, as for a table, so the preflight knows them
    keys = {"kategori": ("nama", "diterima", "selesai", "dirujuk")}
    for rows in ([], [dict(r, diterima=0, selesai=0, dirujuk=0) for r in month()]):
        context = {"kategori": rows, "_row_keys": keys}
        assert preflight(chart, context) == []
        [text] = pages_text(render(chart, context).pdf)
        assert "Rujukan menurut kategori" in text
        assert "Belum ada rujukan bulan ini." in text
        assert "Diterima" not in text and "Kesehatan" not in text  # no legend, no axis


ONE_SERIES = TEMPLATE.replace(
    """          {{ title = "Selesai di desa", value = "{{selesai}}" }},
          {{ title = "Dirujuk", value = "{{dirujuk}}" }}]""", "").replace(
    '"{{diterima}}" }},', '"{{diterima}}" }}]')


def boxes_overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


@pytest.mark.parametrize("series", [3, 1])
def test_eleven_long_labels_never_overlap_each_other_or_the_bars(tmp_path, series):
    """Checked on the positions pypdf reads back: each line's box (its width in the
    font, ascent and descent) against every other; the bars start right of them all."""
    long_names = [f"{name} dan urusan lain yang sangat panjang namanya" for name in CATEGORIES]
    chart = template(tmp_path, text=(TEMPLATE if series == 3 else ONE_SERIES).format(
        before="", extra=""))
    doc = render(chart, {"kategori": month(long_names)})
    assert doc.pages == 1
    regular = font("Sans")
    words = {word for name in long_names for word in name.split()}
    labels, values = [], []
    for text, x, y, size in printed(doc.pdf):
        box = (x, y - 0.25 * size, x + stringWidth(text, regular, size), y + 0.9 * size)
        if size == 9 and set(text.split()) <= words:
            labels.append((text, box))
        elif size == 7.5 and text.isdigit():
            values.append((text, box))
    # every label was wrapped into lines and printed whole, in its order
    assert " ".join(text for text, _box in labels) == " ".join(long_names)
    assert len(labels) > len(long_names)  # they had to wrap
    boxes = [box for _t, box in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not boxes_overlap(a, b), (a, b)
    bar_values = values[:series * len(long_names)]
    for i, (_t, a) in enumerate(bar_values):  # nor do the values of the bars
        for _u, b in bar_values[i + 1:]:
            assert not boxes_overlap(a, b), (a, b)
    # the labels stay inside the left margin (20 mm), the bars start right of them all
    assert min(box[0] for box in boxes) >= 20 * 72 / 25.4 - 0.5
    assert max(box[2] for box in boxes) < min(box[0] for _t, box in bar_values)
    # each label stands beside its own bars: its middle within its group's values
    lines = iter(labels)
    for group, name in enumerate(long_names):
        mine, text = [], ""
        while text != name:
            line = next(lines)
            mine.append(line[1])
            text = (text + " " + line[0]).strip()
        middle = (mine[0][3] + mine[-1][1]) / 2
        own = [box for _t, box in bar_values[group * series:(group + 1) * series]]
        assert own[-1][1] - 1 <= middle <= own[0][3] + 1
        centre = (own[0][3] + own[-1][1]) / 2
        assert abs(middle - centre) < 2.5, (name, middle, centre)


def test_a_chart_that_does_not_fit_starts_a_new_page(tmp_path):
    chart = template(tmp_path, before='[[block]]\ntype = "spacer"\nheight_mm = 200\n')
    doc = render(chart, {"kategori": month()})
    first, second = pages_text(doc.pdf)
    assert "Kesehatan" not in first and "Rujukan menurut kategori" not in first
    assert "Rujukan menurut kategori" in second and "Lainnya" in second


def test_a_value_that_is_not_a_number_is_named_before_printing(tmp_path):
    rows = month()
    rows[2]["selesai"] = "dua"
    rows[7]["dirujuk"] = -1
    rows[9]["diterima"] = None
    chart = template(tmp_path)
    problems = [str(p) for p in preflight(chart, {"kategori": rows})]
    assert len(problems) == 3, problems
    assert "blok 1 (bars)" in problems[0]
    assert "Selesai di desa" in problems[0] and "Administrasi kependudukan" in problems[0]
    assert "'dua'" in problems[0] and "bukan bilangan" in problems[0]
    assert "Dirujuk" in problems[1] and "Rumah tidak layak huni" in problems[1]
    assert "Bencana" in problems[2]
    with pytest.raises(TemplateError, match="dua"):
        render(chart, {"kategori": rows})  # never a wrong bar if the preflight was skipped
    assert preflight(chart, {"kategori": [dict(r, selesai=2.5) for r in month()]}) == []


def test_a_missing_list_or_a_broken_series_is_named(tmp_path):
    problems = [str(p) for p in preflight(template(tmp_path), {"bulan": "x"})]
    assert any("kategori" in p for p in problems), problems
    with pytest.raises(TemplateError, match="series"):
        template(tmp_path, text=TEMPLATE.format(before="", extra="").replace(
            '"{diterima}"', '"{diterima}", x = 1 }, { title = "Tanpa nilai"'))


@pytest.mark.parametrize("maximum", list(range(1, 130)) + [0.4, 2.5, 999, 1000, 1001, 12345])
def test_axis_ticks_are_few_whole_numbers_from_zero_past_the_largest(maximum):
    ticks = axis_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert all(isinstance(t, int) for t in ticks)
    steps = {b - a for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    assert len(ticks) <= 6
    if maximum >= 3:
        assert len(ticks) >= 4
    assert ticks[-2] < maximum  # no empty step at the end


def test_numbers_print_the_indonesian_way():
    assert [number_text(v) for v in (0, 12, 1250, 2.5, 2.25)] == [
        "0", "12", "1.250", "2,5", "2,25"]


def test_a_chart_longer_than_a_page_goes_on_with_its_legend_and_axis(tmp_path):
    """Sixty dusun do not fit on one page: the chart goes on where the page ends, every
    group whole on one page, the legend and the axis on every page."""
    names = [f"Dusun nomor {n}" for n in range(1, 61)]
    doc = render(template(tmp_path), {"kategori": month(names)})
    texts = pages_text(doc.pdf)
    assert doc.pages == len(texts) >= 2
    pages_of = {}
    for page, text in enumerate(texts):
        for line in text.splitlines():
            if line.strip() in names:
                pages_of.setdefault(line.strip(), []).append(page)
    assert list(pages_of) == names and all(len(p) == 1 for p in pages_of.values())
    chart_pages = sorted({p for [p] in pages_of.values()})
    for page in chart_pages:
        strings = [text for text, *_pos in printed(doc.pdf, page)]
        assert strings.count("Diterima") == 1 and "15" in strings  # legend, axis's end
        ys = [y for text, _x, y, _s in printed(doc.pdf, page) if text in names]
        assert min(ys) > 18 * 72 / 25.4  # above the bottom margin
    assert "Sesudah grafik." in texts[-1]
