"""The blocks of a form that are filled in by hand: boxes to tick (``choices``) and
signatures (``signatures``), drawn by :class:`.engine.Renderer`, which they are part of."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth


class FormBlocks:
    """``block_choices`` and ``block_signatures`` of the renderer (the renderer's
    geometry, fonts and canvas are its own attributes)."""

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
