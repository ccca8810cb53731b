"""The ``bars`` block: a bar chart of a list, drawn on the engine's canvas.

One group of bars per item of ``rows`` (``label``, e.g. "{kategori}"), one bar
per ``series`` in each group, each series in its own grey (and, past four
series, hatched) so that the chart reads the same on a black-and-white
printer; a legend names the series, the value is printed at the end of every
bar, and the value axis has whole-number ticks.

**The bars lie down** (categories down the page, values across).  The monthly
referral report has eleven categories with long names ("Administrasi
kependudukan", "Rumah tidak layak huni", "Ekonomi/pekerjaan") on an A4
portrait page: standing up, each group would get some 15 mm of width, where
such a name must be cut into three lines of tiny type or turned on its side.
Lying down, every label has its own band in a column of up to a third of the
page, reads left to right, wraps between words, and cannot touch the next
label because each band is made as tall as its label needs.  ``height_mm`` is
the height the bars' area aims at; it grows so that every bar is as thick as
its printed value (the values of a group never touch) and every label has
room: eleven categories of three series take some 12 cm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..i18n import _
from .files import PrintProblem, TemplateError
from .template import Text, bar_value

#: fill grey of the series in turn (0 black, 1 white); every bar is outlined
SHADES = (0.25, 0.6, 0.85, 1.0)
#: what an empty chart says when the template gives no ``empty`` text (printouts
#: are always Indonesian)
NO_DATA = "Tidak ada data."
NICE_STEPS = (1, 2, 5)


def compile_bars(block: dict[str, Any]) -> dict[str, Any]:
    """The block's strings parsed into Text once."""
    return {"_title": Text(block.get("title", "")), "_label": Text(block.get("label", "")),
            "_empty": Text(block.get("empty", "")),
            "_series": [(Text(s.get("title", "")), Text(s.get("value", "")))
                        for s in block["series"]]}


def axis_ticks(maximum: float) -> list[int]:
    """Whole-number ticks from 0 to at least ``maximum``: steps of 1, 2 or 5 times a
    power of ten, the finest that gives at most six ticks (so four to six, fewer
    only when the maximum is below 3)."""
    top = max(1, math.ceil(maximum))
    power = 1
    while True:
        for base in NICE_STEPS:
            step = base * power
            end = math.ceil(top / step) * step
            if end // step + 1 <= 6:
                return list(range(0, end + 1, step))
        power *= 10


def number_text(value: float) -> str:
    """A value as printed on the chart: "12", "1.250", "2,5" (Indonesian)."""
    if value == int(value):
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def _hatch(c, x: float, y: float, w: float, h: float, rising: bool) -> None:
    """Diagonal lines inside a rectangle (the series past the four greys)."""
    c.saveState()
    path = c.beginPath()
    path.rect(x, y, w, h)
    c.clipPath(path, stroke=0, fill=0)
    c.setLineWidth(0.5)
    offset = -h
    while offset < w:
        if rising:
            c.line(x + offset, y, x + offset + h, y + h)
        else:
            c.line(x + offset, y + h, x + offset + h, y)
        offset += 3.0
    c.restoreState()


def _bar(c, index: int, x: float, y: float, w: float, h: float) -> None:
    """A bar of series ``index``: a grey, then white with lines rising, then falling
    (over the greys again from the seventh series on)."""
    hatched = index >= len(SHADES)
    grey = 1.0 if hatched and index < len(SHADES) + 2 else SHADES[index % len(SHADES)]
    c.setFillGray(grey)
    c.setLineWidth(0.4)
    c.rect(x, y, w, h, stroke=1, fill=1)
    c.setFillGray(0)
    if hatched:
        _hatch(c, x, y, w, h, rising=index % 2 == 0)


def _rows(block, scopes) -> list[dict]:
    for scope in scopes:
        if block["rows"] in scope:
            return list(scope[block["rows"]] or [])
    return []


def draw_bars(r, block: dict[str, Any], scopes: tuple[dict, ...]) -> None:
    """Draw the chart at ``r.y`` (a :class:`.engine.Renderer`), on a new page when it
    does not fit on this one."""
    c = r.canvas
    size = float(block.get("size", r.size - 1))
    value_size = min(size - 1, 7.5)
    leading = size * 1.2
    width = r.content_width()
    title = block["_title"].fill(*scopes)
    names = [t.fill(*scopes) for t, _v in block["_series"]]
    groups = []
    for row in _rows(block, scopes):
        values = []
        for name, (_t, value) in zip(names, block["_series"]):
            number = bar_value(value.fill(row, *scopes))
            if number is None:  # the preflight says so first; never draw a wrong bar
                raise TemplateError([PrintProblem("bars", _(
                    "the value of {series} for {label} is {value!r}, not a number; "
                    "a bar shows a count or measure of zero or more.").format(
                    series=name, label=block["_label"].fill(row, *scopes),
                    value=value.fill(row, *scopes)))])
            values.append(number)
        groups.append((block["_label"].fill(row, *scopes), values))
    title_h = (size + 1) * 1.5 if title else 0
    after = float(block.get("space_after_mm", 3)) * mm
    if not any(v > 0 for _l, values in groups for v in values):
        text = block["_empty"].fill(*scopes) or NO_DATA
        lines = r._lines(text, r.italic, size, width)
        r.need(title_h + len(lines) * leading)
        _title(r, title, size)
        c.setFont(r.italic, size)
        for line in lines:
            r.y -= leading
            c.drawString(r.left, r.y, line)
        r.y -= after
        return
    ticks = axis_ticks(max(v for _l, values in groups for v in values))
    # the label column: as wide as the longest label, at most a third of the width
    label_w = min(max(stringWidth(label, r.regular, size) for label, _v in groups) + 1,
                  width / 3)
    labels = [r._lines(label, r.regular, size, label_w) for label, _v in groups]
    value_w = max(stringWidth(number_text(v), r.regular, value_size)
                  for _l, values in groups for v in values) + 4
    x0 = r.left + label_w + 5
    x1 = r.left + width - max(value_w, stringWidth(str(ticks[-1]), r.regular,
                                                   value_size) / 2)
    count = len(block["_series"])
    plot_h = float(block.get("height_mm", 60)) * mm
    # a bar is never thinner than its printed value, so values of a group never touch
    bar = min(max(plot_h / (len(groups) * (count + 0.8)), value_size + 1.5), 14)
    gap = max(bar * 0.6, 4)
    bands = [max(count * bar, len(lines) * leading) + gap for lines in labels]
    legend = _legend_lines(r, names, size, width) if count > 1 or names[0] else []
    legend_h = len(legend) * size * 1.6 + (4 if legend else 0)
    axis_h = value_size * 2.2
    plot = _Plot(x0, x1, (x1 - x0) / ticks[-1], ticks, bar, count, size, value_size, leading)
    whole = title_h + legend_h + sum(bands) + axis_h
    # kept on one page when a page can hold it; else split between groups, the legend
    # and the axis repeated on every page (as a table repeats its header)
    r.need(whole if whole <= r.top - r.bottom - 20 else title_h + legend_h + bands[0] + axis_h)
    _title(r, title, size)
    first = 0
    while first < len(groups):
        room = r.y - r.bottom - legend_h - axis_h
        last = first + 1
        while last < len(groups) and sum(bands[first:last + 1]) <= room:
            last += 1
        _legend(r, legend, size)
        plot.draw(r, groups[first:last], labels[first:last], bands[first:last])
        r.y -= axis_h
        first = last
        if first < len(groups):
            r.new_page()
    r.y -= after


@dataclass(frozen=True)
class _Plot:
    """Where the bars go across the page, and their sizes."""

    x0: float
    x1: float
    scale: float
    ticks: list[int]
    bar: float
    count: int
    size: float
    value_size: float
    leading: float

    def draw(self, r, groups, labels, bands) -> None:
        """The groups from ``r.y`` down, with the grid and the value axis under them."""
        c, x0, bar = r.canvas, self.x0, self.bar
        top = r.y
        bottom = top - sum(bands)
        c.saveState()  # the grid first, under the bars
        c.setStrokeGray(0.8)
        c.setLineWidth(0.3)
        for tick in self.ticks[1:]:
            c.line(x0 + tick * self.scale, top, x0 + tick * self.scale, bottom)
        c.restoreState()
        y = top
        for (_label, values), lines, band in zip(groups, labels, bands):
            c.setFont(r.regular, self.size)
            text_top = y - (band - len(lines) * self.leading) / 2
            for n, line in enumerate(lines):
                c.drawRightString(x0 - 5, text_top - (n + 1) * self.leading + self.size * 0.25,
                                  line)
            bar_top = y - (band - self.count * bar) / 2
            for index, value in enumerate(values):
                yb = bar_top - (index + 1) * bar
                if value > 0:
                    _bar(c, index, x0, yb, value * self.scale, bar)
                c.setFont(r.regular, self.value_size)
                c.drawString(x0 + value * self.scale + 2,
                             yb + (bar - self.value_size * 0.7) / 2, number_text(value))
            y -= band
        c.setLineWidth(0.6)
        c.line(x0, top, x0, bottom)
        c.line(x0, bottom, self.x1, bottom)
        c.setFont(r.regular, self.value_size)
        for tick in self.ticks:
            x = x0 + tick * self.scale
            c.line(x, bottom, x, bottom - 2)
            c.drawCentredString(x, bottom - 2 - self.value_size * 1.1, number_text(tick))
        r.y = bottom


def _title(r, title: str, size: float) -> None:
    if title:
        r.y -= (size + 1) * 1.3
        r.canvas.setFont(r.bold, size + 1)
        r.canvas.drawString(r.left, r.y, title)
        r.y -= (size + 1) * 0.2


def _legend_lines(r, names: list[str], size: float, width: float) -> list[list]:
    """The legend's entries (series index, name) in lines that fit ``width``."""
    lines: list[list] = [[]]
    used = 0.0
    for index, name in enumerate(names):
        entry = size + 4 + stringWidth(name, r.regular, size) + 12
        if lines[-1] and used + entry > width:
            lines.append([])
            used = 0.0
        lines[-1].append((index, name))
        used += entry
    return lines


def _legend(r, lines: list[list], size: float) -> None:
    c = r.canvas
    for line in lines:
        r.y -= size * 1.6
        x = r.left
        for index, name in line:
            _bar(c, index, x, r.y - 1, size * 0.85, size * 0.85)
            c.setFont(r.regular, size)
            c.drawString(x + size + 4, r.y, name)
            x += size + 4 + stringWidth(name, r.regular, size) + 12
    if lines:
        r.y -= 4
