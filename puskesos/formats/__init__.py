"""File formats with no database: reading registry spreadsheets, and writing
workbooks (:mod:`.xlsx_write`, the only way a cell is written: text stays text).

.xlsx, .xlsm, .xlsb, .xls, .ods (python-calamine) and .csv, in steps each
cheap to call from the import wizard:

* :func:`list_sheets` — the sheet names (a CSV has one sheet named after the file);
* :func:`detect_header` — the header row below any title rows, on the first
  sheet that has one (a cover sheet is passed over), combining a header of
  up to three rows and reading merged header cells (:mod:`.header`);
* :func:`iter_rows` — the data rows after the header as :class:`SourceRow`,
  skipping empty rows, repeated header rows, a column numbering row
  ("1 2 3 …") and total rows at the bottom (:mod:`.rows`);
* :func:`open_sheet` — both from one parse of the file (the import uses it).

Every problem of the file itself (empty, not a spreadsheet, protected with a
password, no header) raises :class:`SpreadsheetError` with a message that
says what to do.  Cell values are returned raw; ``puskesos.core.normalize``
turns them into NIKs, dates and so on.

python-calamine parses a whole sheet into Rust memory when it is opened;
rows are converted to Python objects one at a time, so no list of 100,000
Python rows is built.  A large .xlsx sheet is parsed in parts ahead on a
helper thread (:mod:`.xlsx_parts`).  Opening files: :mod:`.books`; CSV:
:mod:`.csv_sheet`; the types: :mod:`.sheet`.

Exchange bundles (issue 16, docs/bundle-format.md) are :mod:`.bundle`, imported
from there.
"""

from .books import list_sheets
from .header import detect_header
from .rows import SheetReader, iter_rows, open_sheet
from .sheet import SUPPORTED_EXTENSIONS, Header, SourceRow, SpreadsheetError, display_cells

__all__ = ["SUPPORTED_EXTENSIONS", "Header", "SheetReader", "SourceRow", "SpreadsheetError",
           "detect_header", "display_cells", "iter_rows", "list_sheets", "open_sheet"]
