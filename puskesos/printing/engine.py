"""Draw a template filled with values onto a reportlab canvas → PDF bytes.

A small flow layout: blocks go down the page, a block that does not fit
starts a new page, tables repeat their header, every page carries the mark
(e.g. RAHASIA), the print footer (who, when) and "Halaman n dari N".  It
draws on the canvas directly (no platypus), so thousands of forms stay fast.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .bars import compile_bars, draw_bars
from .fonts import font
from .qr import draw_qr
from .template import PAGE_SIZES_MM, Template, Text

TOTAL_FORM = "PskPageTotal"


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


def _compile(block: dict[str, Any]) -> dict[str, Any]:
    """The block with its strings parsed into Text once (not once per page)."""
    kind = block["type"]
    out = dict(block)
    if kind in ("title", "text", "section"):
        out["_text"] = Text(block.get("text"))
    elif kind == "qr":
        out["_text"] = Text(block.get("value", block.get("text")))
        out["_caption"] = Text(block.get("caption", ""))
    elif kind == "fields":
        out["_items"] = [tuple(Text(part) for part in item) for item in block["items"]]
    elif kind == "table":
        out["_titles"] = [Text(c.get("title", "")) for c in block["columns"]]
        out["_values"] = [Text(c.get("value", "")) for c in block["columns"]]
        out["_empty"] = Text(block.get("empty", ""))
        detail = block.get("detail")
        if isinstance(detail, dict) and detail.get("value"):
            # a second line under each row across columns span = [first, last] (from 1)
            count = len(block["columns"])
            first, last = (list(detail.get("span", [1, count])) + [count])[:2]
            first = min(max(int(first), 1), count)
            last = min(max(int(last), first), count)
            out["_detail"] = (Text(detail["value"]), first - 1, last - 1,
                              detail.get("size"))
    elif kind == "choices":
        out["_title"] = Text(block.get("title", ""))
        out["_items"] = [Text(item) for item in block["items"]]
        out["_tick"] = Text(block.get("tick", ""))
    elif kind == "signatures":
        out["_items"] = [{k: Text(item.get(k, "")) for k in ("above", "role", "name", "nip")}
                         if item else None for item in block["items"]]
        out["_statement"] = Text(block.get("statement", ""))
    elif kind == "bars":
        out.update(compile_bars(block))
    return out


class Renderer:
    def __init__(self, template: Template, *, footer: str = "", watermark: str | None = None,
                 logo: str | None = None, anchor: str = ""):
        doc = template.document
        width_mm, height_mm = PAGE_SIZES_MM[str(doc.get("page", "A4")).upper()]
        if str(doc.get("orientation", "portrait")).lower() == "landscape":
            width_mm, height_mm = height_mm, width_mm
        self.width, self.height = width_mm * mm, height_mm * mm
        top, right, bottom, left = (list(doc.get("margin_mm", [15, 15, 18, 20])) + [15] * 4)[:4]
        self.top, self.right = self.height - top * mm, self.width - right * mm
        self.bottom, self.left = bottom * mm, left * mm
        self.family = str(doc.get("font", "Sans"))
        self.size = float(doc.get("size", 10))
        self.regular = font(self.family)
        self.bold = font(self.family, bold=True)
        self.italic = font(self.family, italic=True)
        self.small = font("Sans")
        self.mark = Text(doc.get("mark", ""))
        #: a line at the top of an item's continuation pages (who this sheet belongs to)
        self.running = Text(doc.get("running", ""))
        self.item_pages = 0
        self.footer = footer
        #: a second footer line in small type (the audit anchor of a berita acara)
        self.anchor = anchor
        self.watermark = watermark
        self.template = template
        self.blocks = [_compile(b) for b in template.blocks]
        self.letterhead = []
        self.logo = None
        if logo:
            self.logo = ImageReader(logo)
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=(self.width, self.height),
                             pageCompression=1, invariant=0)
        self.canvas.setTitle(template.title)
        self.canvas.setCreator("Puskesos")
        self.pages = 0
        self.y = self.top
        self.page_open = False
        self.inset_until = None
        self.inset = 0.0
        self.scopes: tuple[dict, ...] = ()

    # -- pages ------------------------------------------------------------

    def new_page(self) -> None:
        c = self.canvas
        if self.page_open:
            c.showPage()
        self.pages += 1
        self.item_pages += 1
        self.page_open = True
        self.y = self.top
        self.inset_until = None
        if self.watermark:
            c.saveState()
            c.setFillGray(0.85)
            c.setFont(self.bold, 90)
            c.translate(self.width / 2, self.height / 2)
            c.rotate(45)
            c.drawCentredString(0, -30, self.watermark)
            c.restoreState()
        mark = self.mark.fill(*self.scopes)
        if mark:
            c.setFont(self.bold, 10)
            w = stringWidth(mark, self.bold, 10)
            x = self.right - w - 8
            top = self.height - 8 * mm
            c.setLineWidth(1)
            c.rect(x, top - 14, w + 8, 14)
            c.drawString(x + 4, top - 10, mark)
        if self.item_pages > 1 and self.running.source:
            text = self.running.fill(*self.scopes)
            c.setFont(self.bold, 8)
            c.drawString(self.left, self.top - 8, self._fit(text, self.bold, 8,
                                                            self.right - self.left - 90))
            c.setLineWidth(0.4)
            c.line(self.left, self.top - 12, self.right, self.top - 12)
            self.y = self.top - 20
        c.setFont(self.small, 6.5)
        c.setFillGray(0.35)
        fy = self.bottom - 10
        label = f"Halaman {self.pages} dari"  # printouts are always Indonesian
        if self.footer:
            room = self.right - self.left - stringWidth(label, self.small, 6.5) - 30
            c.drawString(self.left, fy, self._fit(self.footer, self.small, 6.5, room))
        if self.anchor:
            c.setFont(self.small, 5.5)
            c.drawString(self.left, fy - 7, self._fit(self.anchor, self.small, 5.5,
                                                      self.right - self.left))
            c.setFont(self.small, 6.5)
        c.drawRightString(self.right - 13, fy, label)
        c.saveState()
        c.translate(self.right - 12, fy)
        c.doForm(TOTAL_FORM)
        c.restoreState()
        c.setFillGray(0)

    @staticmethod
    def _fit(text: str, font_name: str, size: float, width: float) -> str:
        """``text`` cut with an ellipsis so that it fits ``width``."""
        if stringWidth(text, font_name, size) <= width:
            return text
        while text and stringWidth(text + "…", font_name, size) > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def need(self, height: float) -> None:
        if not self.page_open or self.y - height < self.bottom:
            self.new_page()

    def content_width(self) -> float:
        if self.inset_until is not None and self.y > self.inset_until:
            return self.right - self.left - self.inset
        return self.right - self.left

    def finish(self) -> Rendered:
        c = self.canvas
        if not self.page_open:
            self.new_page()
        c.showPage()
        c.beginForm(TOTAL_FORM)
        c.setFont(self.small, 6.5)
        c.setFillGray(0.35)
        c.drawString(0, 0, str(self.pages))
        c.endForm()
        c.save()
        return Rendered(self.buffer.getvalue(), self.pages)

    # -- drawing ------------------------------------------------------------

    def run(self, scopes: tuple[dict, ...], new_page: bool = True) -> None:
        self.scopes = scopes
        self.item_pages = 0
        if new_page or not self.page_open:
            self.new_page()
        for block in self.blocks:
            getattr(self, "block_" + block["type"])(block, scopes)

    def _lines(self, text: str, font_name: str, size: float, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            if stringWidth(paragraph, font_name, size) <= width:
                lines.append(paragraph)
                continue
            for line in simpleSplit(paragraph, font_name, size, width) or [""]:
                # a word longer than the column (a NIK in a narrow cell) is cut, never
                # drawn across the next column
                while stringWidth(line, font_name, size) > width and len(line) > 1:
                    cut = len(line) - 1
                    while cut > 1 and stringWidth(line[:cut], font_name, size) > width:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
                lines.append(line)
        return lines

    def _kept_lines(self, text: str, font_name: str, size: float, width: float,
                    separator: str = " · ") -> list[str]:
        """Lines of ``text`` broken between its parts (``separator``), so that a part
        such as "Tidak disabilitas" is not cut in two; a part too long alone wraps."""
        lines: list[str] = []
        for part in text.split(separator):
            joined = lines[-1] + separator + part if lines else part
            if lines and stringWidth(joined, font_name, size) <= width:
                lines[-1] = joined
            else:
                lines.extend(self._lines(part, font_name, size, width))
        return lines

    def block_spacer(self, block, scopes) -> None:
        self.y -= float(block.get("height_mm", 4)) * mm

    def block_page_break(self, block, scopes) -> None:
        self.new_page()

    def block_letterhead(self, block, scopes) -> None:
        c = self.canvas
        lines = []
        for number, line in enumerate(self.template.letterhead):
            text = line.fill(*scopes).strip()
            if text:
                lines.append((text, 14 if number < 3 else 9, number < 3))
        height = sum(size * 1.2 for _t, size, _b in lines) + 4
        logo_h = 24 * mm
        self.need(max(height, logo_h) + 8)
        top = self.y
        if self.logo is not None:
            iw, ih = self.logo.getSize()
            h = logo_h
            w = h * iw / ih if ih else h
            c.drawImage(self.logo, self.left, top - h, w, h, mask="auto")
        centre = (self.left + self.right) / 2 + (12 * mm if self.logo is not None else 0)
        y = top
        for text, size, bold in lines:
            y -= size * 1.15
            c.setFont(self.bold if bold else self.regular, size)
            c.drawCentredString(centre, y, text)
        y = min(y - 6, top - logo_h - 3)
        c.setLineWidth(2)
        c.line(self.left, y, self.right, y)
        c.setLineWidth(0.6)
        c.line(self.left, y - 3, self.right, y - 3)
        self.y = y - 14

    def block_title(self, block, scopes) -> None:
        size = float(block.get("size", self.size + 3))
        text = block["_text"].fill(*scopes)
        lines = self._lines(text, self.bold, size, self.content_width())
        self.need(len(lines) * size * 1.25 + 2)
        c = self.canvas
        c.setFont(self.bold, size)
        centre = self.left + self.content_width() / 2
        for line in lines:
            self.y -= size * 1.2
            c.drawCentredString(centre, self.y, line)
            if block.get("underline"):
                w = stringWidth(line, self.bold, size)
                c.setLineWidth(0.7)
                c.line(centre - w / 2, self.y - 2, centre + w / 2, self.y - 2)
        self.y -= float(block.get("space_after_mm", 2)) * mm

    def block_section(self, block, scopes) -> None:
        size = self.size + 0.5
        height = size * 1.6
        self.need(height + size * 3)
        c = self.canvas
        self.y -= height
        c.setFillGray(0.86)
        c.rect(self.left, self.y, self.content_width(), height, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont(self.bold, size)
        c.drawString(self.left + 3, self.y + height * 0.3, block["_text"].fill(*scopes))
        self.y -= 3

    def block_text(self, block, scopes) -> None:
        size = float(block.get("size", self.size))
        font_name = self.bold if block.get("bold") else (
            self.italic if block.get("italic") else self.regular)
        indent = float(block.get("indent_mm", 0)) * mm
        width = self.content_width() - indent
        leading = size * float(block.get("leading", 1.35))
        align = block.get("align", "left")
        c = self.canvas
        for paragraph in block["_text"].fill(*scopes).split("\n"):
            lines = simpleSplit(paragraph, font_name, size, width) or [""]
            for number, line in enumerate(lines):
                self.need(leading)
                self.y -= leading
                c.setFont(font_name, size)
                x = self.left + indent
                if align == "center":
                    c.drawCentredString(x + width / 2, self.y, line)
                elif align == "right":
                    c.drawRightString(x + width, self.y, line)
                elif align == "justify" and number < len(lines) - 1 and " " in line:
                    words = line.split(" ")
                    used = sum(stringWidth(w, font_name, size) for w in words)
                    gap = (width - used) / (len(words) - 1)
                    for word in words:
                        c.drawString(x, self.y, word)
                        x += stringWidth(word, font_name, size) + gap
                else:
                    c.drawString(x, self.y, line)
        self.y -= float(block.get("space_after_mm", 1.5)) * mm

    def block_fields(self, block, scopes) -> None:
        size = float(block.get("size", self.size))
        leading = size * float(block.get("leading", 1.55))
        columns = int(block.get("columns", 1))
        box = bool(block.get("box", False))
        gap = 6 * mm
        indent = float(block.get("indent_mm", 0)) * mm
        col_width = (self.content_width() - indent - gap * (columns - 1)) / columns
        label_w = float(block.get("label_mm", 38)) * mm
        box_w = float(block.get("box_mm", 38)) * mm if box else 0
        value_w = col_width - label_w - 8 - box_w - (3 if box else 0)
        c = self.canvas
        items = block["_items"]
        rows = [items[i:i + columns] for i in range(0, len(items), columns)]
        if box and block.get("box_title"):
            self.need(leading * 2)
            c.setFont(self.italic, size - 1)
            for col in range(columns):
                x = self.left + indent + col * (col_width + gap) + col_width - box_w
                c.drawCentredString(x + box_w / 2, self.y - size, block["box_title"])
            self.y -= size + 2
        for row in rows:
            filled = [(label.fill(*scopes), value.fill(*scopes) if value else "")
                      for label, value, *_rest in row]
            split = [self._lines(v, self.bold, size, value_w) for _l, v in filled]  # drawn bold
            lines = max(len(s) for s in split)
            height = leading * lines
            self.need(height)
            top = self.y
            for col, ((label, _value), value_lines) in enumerate(zip(filled, split)):
                x = self.left + indent + col * (col_width + gap)
                c.setFont(self.regular, size)
                c.drawString(x, top - size * 1.1, label)
                c.drawString(x + label_w, top - size * 1.1, ":")
                c.setFont(self.bold, size)
                for n, line in enumerate(value_lines):
                    c.drawString(x + label_w + 8, top - size * 1.1 - n * leading, line)
                if box:
                    c.setLineWidth(0.5)
                    c.rect(x + col_width - box_w, top - height + 1.5, box_w, height - 2.5)
            self.y = top - height
        self.y -= float(block.get("space_after_mm", 1.5)) * mm

    def _table_header(self, block, scopes, xs, widths, size) -> None:
        c = self.canvas
        titles = [t.fill(*scopes) for t in block["_titles"]]
        split = [self._lines(t, self.bold, size - 0.5, w - 4) for t, w in zip(titles, widths)]
        height = max(len(s) for s in split) * (size * 1.15) + 5
        self.need(height + size * 2)
        top = self.y
        c.setFillGray(0.88)
        c.rect(xs[0], top - height, sum(widths), height, stroke=0, fill=1)
        c.setFillGray(0)
        c.setLineWidth(0.5)
        c.rect(xs[0], top - height, sum(widths), height)
        c.setFont(self.bold, size - 0.5)
        for x, w, lines in zip(xs, widths, split):
            c.line(x, top, x, top - height)
            for n, line in enumerate(lines):
                c.drawCentredString(x + w / 2, top - 3 - (n + 1) * size * 1.1 + 1, line)
        self.y = top - height

    def block_table(self, block, scopes) -> None:
        size = float(block.get("size", self.size - 1))
        leading = size * 1.2
        columns = block["columns"]
        weights = [float(col.get("width", 1)) for col in columns]
        total_w = self.content_width()
        widths = [total_w * w / sum(weights) for w in weights]
        xs = [self.left]
        for w in widths[:-1]:
            xs.append(xs[-1] + w)
        rows = None
        for scope in scopes:
            if block["rows"] in scope:
                rows = scope[block["rows"]]
                break
        rows = list(rows or [])
        blank = int(block.get("blank_rows", 0))
        min_height = float(block.get("row_mm", 0)) * mm
        # the blank rows are filled in by hand: room for handwriting
        blank_height = float(block.get("blank_row_mm", block.get("row_mm", 0))) * mm
        c = self.canvas
        self._table_header(block, scopes, xs, widths, size)
        aligns = [col.get("align", "left") for col in columns]
        values = block["_values"]
        if not rows and block["_empty"].source and not blank:
            rows_iter = [None]
        else:
            rows_iter = rows + [{}] * blank
        detail = block.get("_detail")
        if detail is not None:
            detail_text, first, last, detail_size = detail
            detail_size = float(detail_size or size - 1)
            detail_leading = detail_size * 1.2
            detail_width = sum(widths[first:last + 1]) - 4
        for number, row in enumerate(rows_iter, 1):
            notes: list[str] = []
            if row is None:
                cells = [[block["_empty"].fill(*scopes)]] + [[""]] * (len(columns) - 1)
                aligns_row = ["left"] * len(columns)
            else:
                if row:
                    row_scope = row if "no" in row else {**row, "no": number}
                    texts = [v.fill(row_scope, *scopes) for v in values]
                    if detail is not None:
                        note = detail_text.fill(row_scope, *scopes).strip()
                        notes = self._kept_lines(note, self.regular, detail_size,
                                                 detail_width) if note else []
                else:
                    texts = [""] * len(values)
                cells = [self._lines(t, self.regular, size, w - 4) if t else [""]
                         for t, w in zip(texts, widths)]
                aligns_row = aligns
            main = max(len(cell) for cell in cells) * leading + 4
            extra = len(notes) * detail_leading + 1.5 if notes else 0
            height = max(main + extra, blank_height if row == {} else min_height)
            if self.y - height < self.bottom:
                self.new_page()
                self._table_header(block, scopes, xs, widths, size)
            top = self.y
            c.setLineWidth(0.4)
            c.rect(xs[0], top - height, total_w, height)
            c.setFont(self.regular, size)
            for index, (x, w, cell, align) in enumerate(zip(xs, widths, cells, aligns_row)):
                # inside the detail's span the column lines stop above the detail line
                inside = bool(notes) and first < index <= last
                c.line(x, top, x, top - (main - 1 if inside else height))
                for n, line in enumerate(cell):
                    yy = top - 2 - (n + 1) * leading + 2
                    if align == "center":
                        c.drawCentredString(x + w / 2, yy, line)
                    elif align == "right":
                        c.drawRightString(x + w - 2, yy, line)
                    else:
                        c.drawString(x + 2, yy, line)
            if notes:
                c.saveState()
                c.setStrokeGray(0.6)
                c.setLineWidth(0.25)
                c.line(xs[first], top - main + 1, xs[last] + widths[last], top - main + 1)
                c.restoreState()
                c.setFont(self.regular, detail_size)
                for n, line in enumerate(notes):
                    c.drawString(xs[first] + 2, top - main + 0.5 - detail_size
                                 - n * detail_leading, line)
            self.y = top - height
        self.y -= float(block.get("space_after_mm", 3)) * mm

    def block_choices(self, block, scopes) -> None:
        size = float(block.get("size", self.size))
        leading = size * 1.6
        columns = int(block.get("columns", 2))
        items = [t.fill(*scopes) for t in block["_items"]]
        title = block["_title"].fill(*scopes)
        tick = block["_tick"].fill(*scopes).strip()
        rows = (len(items) + columns - 1) // columns
        self.need(rows * leading + (leading if title else 0))
        c = self.canvas
        if title:
            self.y -= leading
            c.setFont(self.bold, size)
            c.drawString(self.left, self.y + 3, title)
        col_w = self.content_width() / columns
        box = size * 0.95
        c.setLineWidth(0.6)
        for index, item in enumerate(items):
            row, col = index % rows, index // rows
            x = self.left + col * col_w
            y = self.y - (row + 1) * leading + 3
            c.rect(x, y - 1, box, box)
            if tick and item.split(" ", 1)[0] == tick:
                c.line(x, y - 1, x + box, y - 1 + box)
                c.line(x, y - 1 + box, x + box, y - 1)
            c.setFont(self.regular, size)
            c.drawString(x + box + 4, y, item)
        self.y -= rows * leading + float(block.get("space_after_mm", 2)) * mm

    def block_signatures(self, block, scopes) -> None:
        size = float(block.get("size", self.size))
        leading = size * 1.3
        items = block["_items"]
        space = float(block.get("space_mm", 20)) * mm
        height = leading * 4 + space
        statement = block["_statement"].fill(*scopes)
        lines = self._lines(statement, self.italic, size - 1, self.content_width()) \
            if statement else []
        # the statement is signed: it never stands on another page than the signatures
        self.need(height + len(lines) * leading)
        c = self.canvas
        for line in lines:
            self.y -= leading
            c.setFont(self.italic, size - 1)
            c.drawString(self.left, self.y, line)
        col_w = self.content_width() / len(items)
        top = self.y
        for index, item in enumerate(items):
            if item is None:  # an empty column, e.g. to put the signer on the right
                continue
            centre = self.left + col_w * index + col_w / 2
            y = top
            for key in ("above", "role"):
                text = item[key].fill(*scopes)
                for line in text.split("\n") if text else []:
                    y -= leading
                    c.setFont(self.regular, size)
                    c.drawCentredString(centre, y, line)
            y = top - leading * 2 - space
            name = item["name"].fill(*scopes).strip()
            c.setFont(self.bold, size)
            if name:
                c.drawCentredString(centre, y, name)
                w = stringWidth(name, self.bold, size)
                c.setLineWidth(0.6)
                c.line(centre - w / 2, y - 1.5, centre + w / 2, y - 1.5)
            else:
                c.setLineWidth(0.5)
                c.line(centre - col_w * 0.35, y - 1.5, centre + col_w * 0.35, y - 1.5)
            nip = item["nip"].fill(*scopes).strip()
            if nip:
                c.setFont(self.regular, size)
                c.drawCentredString(centre, y - leading, nip)
        self.y = top - height

    def block_bars(self, block, scopes) -> None:
        draw_bars(self, block, scopes)  # printing/bars.py: the chart and why it lies down

    def block_qr(self, block, scopes) -> None:
        size = float(block.get("size_mm", 24)) * mm
        value = block["_text"].fill(*scopes)
        caption = block["_caption"].fill(*scopes)
        if not self.page_open:
            self.new_page()
        x = self.right - size
        y = self.y - size
        draw_qr(self.canvas, value, x, y, size)
        if caption:
            self.canvas.setFont(self.small, 5.5)
            self.canvas.drawCentredString(x + size / 2, y - 5, caption)
        self.inset = size + 4 * mm
        self.inset_until = y - 8


def render(template: Template, context: dict[str, Any], *, footer: str = "",
           watermark: str | None = None, step=None, anchor: str = "") -> Rendered:
    """The PDF of ``template`` filled from ``context`` (see template.preflight).

    ``step(n)`` is called after the n-th item of a repeating template (for
    progress and cancel: it may raise to stop).  ``anchor`` is printed in small
    type under the footer of every page.
    """
    renderer = Renderer(template, footer=footer, watermark=watermark,
                        logo=context.get("desa.logo") or None, anchor=anchor)
    if template.each:
        for number, item in enumerate(context.get(template.each) or [], 1):
            renderer.run((item, context))
            if step is not None:
                step(number)
    else:
        renderer.run((context,))
    return renderer.finish()
