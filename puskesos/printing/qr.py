"""QR codes drawn as vector squares (no image, no extra dependency)."""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder


def qr_matrix(text: str) -> list[list[bool]]:
    """The module matrix of ``text`` (error correction M, fixed mask 0).

    reportlab's ``make()`` tries all eight masks to pick the one with the
    lowest penalty; any mask gives a valid code, and a fixed one is nine
    times faster, which matters for thousands of forms in one batch.
    Upper-case letters, digits and ``-/:.`` use the compact alphanumeric mode.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    if code.version is None:
        code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return code.modules


def draw_qr(canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``text`` with its lower-left corner at (x, y)."""
    modules = qr_matrix(text)
    count = len(modules)
    quiet = 2  # modules of white border inside ``size``
    cell = size / (count + 2 * quiet)
    path = canvas.beginPath()
    top = y + size - quiet * cell
    for r, row in enumerate(modules):
        yy = top - (r + 1) * cell
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                path.rect(x + (quiet + start) * cell, yy, (c - start) * cell, cell)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
