"""Importing DTSEN/DTKS extracts and BNBA recipient lists ("sanding data").

One function, :func:`run_import`, serves the wizard and the command line.
It streams the rows of the file, normalises each cell, checks the NIK,
matches each person against the registry (by NIK, then by No KK + name and
date of birth), and classifies every row: new, updated (with each field's
old and new value), unchanged, conflict, rejected.  A preview computes the
same without writing, so it is exactly what the import would do.  A real
import is one transaction, recorded as a batch (:mod:`..changesets`): the
records it creates carry the batch id, the values it changes are kept
before and after, so :func:`undo_last_import` restores the previous state
exactly.  A blank cell never overwrites a stored value.

The parts:

- :mod:`.report` — what an import did (:class:`ImportReport`) and its workbook;
- :mod:`.rows` — a row's cells → the values stored, with warnings;
- :mod:`.matching` — the registry index and who a row is;
- :mod:`.registry`, :mod:`.bnba` — what each kind of import does with its rows;
- :mod:`.state` — what they share in one import;
- :mod:`.run` — :func:`run_import`, from file to report.

Speed (issue #4, bench/bench_import.py): the sheet is parsed once (a large
.xlsx in parts, ahead, on a helper thread: :mod:`puskesos.formats.xlsx_parts`); rows are
read and normalised in blocks, repeated cell values are read once; the rows
of a block that are plainly new people are stored in one loop; new records
are written through :class:`puskesos.db.bulk.BulkWriter` (ordered keys,
multi-row statements on a writer thread, the NIK index built once at the
end of a large import).
"""

from ..changesets import BatchInfo, last_batch, undo_last_import
from .report import FieldChange, ImportReport, NewRow, RowIssue, kind_label, write_report
from .run import check_header, run_import

__all__ = ["BatchInfo", "FieldChange", "ImportReport", "NewRow", "RowIssue", "check_header",
           "kind_label", "last_batch", "run_import", "undo_last_import",
           "write_report"]
