"""Several small items on one sheet: a template whose ``[document]`` names a
``sheet`` (e.g. stickers designed on an A6 page, printed 1, 2 or 4 to an A4 sheet).

The template is laid out on its own small page (``page``, ``margin_mm``), as any
template is; each item is then drawn into a cell of the sheet, scaled to fill
it (turned a quarter when two share a sheet: an A6 design fills half an A4 only
lying down), with thin cut lines between the cells.  Each sheet carries the
print footer and "Halaman n dari N" under the cells.  An item's blocks never
start a new page: a design must fit its small page (the preflight cannot know
how long a name will be, so the template leaves room, and text is cut by the
cell's edge rather than spilling into the next sticker).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm

from .engine import TOTAL_FORM, Renderer, Rendered
from .template import PAGE_SIZES_MM, Template

#: items per sheet that are laid out: columns, rows, turned a quarter
LAYOUTS = {1: (1, 1, False), 2: (1, 2, True), 4: (2, 2, False)}
SHEET_MARGIN = 8 * mm


class SheetRenderer(Renderer):
    """A :class:`Renderer` that draws each item of a repeating template into a cell."""

    def __init__(self, template: Template, *, cells: int, footer: str = "", logo=None):
        super().__init__(template, footer=footer, logo=logo)
        if cells not in LAYOUTS:
            raise ValueError(f"{cells} items per sheet; use one of {sorted(LAYOUTS)}")
        self.cells = cells
        self.cell = -1
        # the design's own page (the Renderer's geometry) and the sheet's
        self.design = (self.width, self.height)
        sheet = str(template.document.get("sheet", "A4")).upper()
        self.sheet_w, self.sheet_h = (v * mm for v in PAGE_SIZES_MM[sheet])
        self.canvas.setPageSize((self.sheet_w, self.sheet_h))

    def _cell_box(self, k: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of cell ``k`` on the sheet, above the footer."""
        columns, rows, _turned = LAYOUTS[self.cells]
        usable_w = self.sheet_w - 2 * SHEET_MARGIN
        usable_h = self.sheet_h - 2 * SHEET_MARGIN - 4 * mm
        w, h = usable_w / columns, usable_h / rows
        column, row = k % columns, k // columns
        return (SHEET_MARGIN + column * w, self.sheet_h - SHEET_MARGIN - (row + 1) * h, w, h)

    def _sheet(self) -> None:
        c = self.canvas
        if self.page_open:
            c.showPage()
        self.pages += 1
        self.page_open = True
        c.setFont(self.small, 6.5)
        c.setFillGray(0.35)
        label = f"Halaman {self.pages} dari"   # printouts are always Indonesian
        fy = SHEET_MARGIN - 2 * mm
        if self.footer:
            c.drawString(SHEET_MARGIN, fy, self._fit(self.footer, self.small, 6.5,
                                                     self.sheet_w - 2 * SHEET_MARGIN - 90))
        c.drawRightString(self.sheet_w - SHEET_MARGIN - 13, fy, label)
        c.saveState()
        c.translate(self.sheet_w - SHEET_MARGIN - 12, fy)
        c.doForm(TOTAL_FORM)
        c.restoreState()
        c.setFillGray(0)
        # cut lines between the cells
        c.saveState()
        c.setStrokeGray(0.6)
        c.setLineWidth(0.3)
        c.setDash(3, 3)
        for k in range(self.cells):
            x, y, w, h = self._cell_box(k)
            c.rect(x, y, w, h)
        c.restoreState()

    def new_page(self) -> None:
        """Never a new page inside an item: the cells are the pages."""

    def need(self, height: float) -> None:
        """An item's blocks stay in their cell (see the module's text)."""

    def run(self, scopes: tuple[dict, ...], new_page: bool = True) -> None:
        self.cell = (self.cell + 1) % self.cells
        if self.cell == 0:
            self._sheet()
        self.scopes = scopes
        x, y, w, h = self._cell_box(self.cell)
        design_w, design_h = self.design
        turned = LAYOUTS[self.cells][2]
        across, up = (design_h, design_w) if turned else (design_w, design_h)
        scale = min(w / across, h / up)
        c = self.canvas
        c.saveState()
        path = c.beginPath()
        path.rect(x, y, w, h)
        c.clipPath(path, stroke=0, fill=0)
        # centred in the cell, turned a quarter to the left when it lies down
        c.translate(x + (w - across * scale) / 2, y + (h - up * scale) / 2)
        c.scale(scale, scale)
        if turned:
            c.translate(design_h, 0)
            c.rotate(90)
        self.y = self.top
        self.inset_until = None
        self.inset = 0.0
        for block in self.blocks:
            getattr(self, "block_" + block["type"])(block, scopes)
        c.restoreState()

    def finish(self) -> Rendered:
        if not self.page_open:
            self._sheet()
        return super().finish()


def render_sheets(template: Template, context: dict[str, Any], *, cells: int,
                  footer: str = "", step=None) -> Rendered:
    """The PDF of a repeating ``template`` (``each``) with ``cells`` items per sheet."""
    renderer = SheetRenderer(template, cells=cells, footer=footer,
                             logo=context.get("desa.logo") or None)
    for number, item in enumerate(context.get(template.each) or [], 1):
        renderer.run((item, context))
        if step is not None:
            step(number)
    return renderer.finish()
