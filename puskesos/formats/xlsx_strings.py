"""The shared strings table of an .xlsx, given to each part of a sheet read in parts
(:mod:`.xlsx_parts`) as only the entries that part uses.

Excel keeps every distinct text of a workbook once in ``xl/sharedStrings.xml``
and writes a text cell as the index of its entry (``<c r="B7" t="s"><v>12</v></c>``).
In a registry extract most texts are distinct (names, NIKs, addresses), so
the table is as large as the texts of the whole sheet.  A part parsed with the
whole table would parse (and hold) all of it again, part after part; here a
part gets a table of the same length whose entries are the file's own for
the indexes its cells use and empty (``<si/>``) for the others, so every
index still names the same text and nothing else is read.

Only a table and a part that can be read with certainty are reduced: the
table's entries are found by their tags (none hidden in a comment or a CDATA
section, as many as ``uniqueCount`` says when it says), and every ``t="s"`` in
the part is a cell whose index was found.  Otherwise the part gets the whole
table, which is slower and always right.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from itertools import accumulate, compress, islice
from operator import sub

_ROOT = re.compile(rb"<((?:[\w.-]+:)?)sst\b([^>]*)>")
_UNIQUE = re.compile(rb"\buniqueCount\s*=\s*[\"']([0-9]+)[\"']")
_SHARED_MARK = b't="s"'
#: a part's table with more empty entries than this (and than :data:`EMPTY_SHARE`
#: times the entries used) holds only the entries used, and the part's cells are given their new
#: indexes (slower to make, but the parse then reads no million empty entries)
MOST_EMPTY = 1 << 20
EMPTY_SHARE = 4
#: the table is split at its entries this many bytes at a time
_WINDOW = 4 << 20


def _entry_starts(xml: bytes, prefix: bytes, start: int, end: int) -> array:
    """Where each entry (``<si>`` or ``<si/>``) of the table ``xml[start:end]`` starts;
    empty when some tag named like an entry cannot be told for one with certainty
    (``<si ...>`` with attributes)."""
    tag = b"<" + prefix + b"si>"
    named = xml.count(b"<" + prefix + b"si", start, end)
    if xml.count(tag, start, end) != named:
        # entries written <si/> or <si >: found one by one (slower)
        entry = re.compile(b"<" + re.escape(prefix) + rb"si\s*/?>")
        starts = array("q", map(re.Match.start, entry.finditer(xml, start, end)))
        return starts if len(starts) == named else array("q")
    # the common case: each entry opens with exactly <si>; the table is split at
    # them a window at a time (a piece per entry would cost more than the table)
    starts = array("q")
    size = len(tag)
    at = xml.find(tag, start, end)
    while at >= 0:
        stop = xml.find(tag, min(at + _WINDOW, end), end)
        window_end = end if stop < 0 else stop
        # piece i of the window is entry i without its tag
        pieces = xml[at + size:window_end].split(tag)
        starts.extend(islice(accumulate(map(size.__add__, map(len, pieces)), initial=at),
                             len(pieces)))
        at = stop
    return starts


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in the ascending ``numbers``;
    the breaks are found without a Python step per number."""
    breaks = list(compress(range(1, len(numbers)),
                           map((1).__ne__, map(sub, numbers[1:], numbers[:-1]))))
    starts = [0, *breaks]
    ends = [*breaks, len(numbers)]
    return ((numbers[a], numbers[b - 1]) for a, b in zip(starts, ends))


class SharedStrings:
    """A shared strings table whose entries can be copied one by one."""

    def __init__(self, xml: bytes, prefix: bytes, starts: array, close: int) -> None:
        self.xml = xml
        self._starts = starts         # where entry i starts; one more: where the last ends
        self._head = xml[:starts[0]]
        self._tail = xml[close:]
        self._empty = b"<" + prefix + b"si/>"
        self.count = len(starts) - 1
        # the patterns of a text cell's index, for the cell prefix last asked for
        self._index = self._value = self._exact = None
        self._exact_mark = b""
        self._value_prefix: bytes | None = None

    @classmethod
    def read(cls, xml: bytes) -> "SharedStrings | None":
        """The table in ``xml`` with its entries found, or None when they cannot be
        found with certainty."""
        root = _ROOT.search(xml)
        if root is None or b"<![CDATA[" in xml or b"<!--" in xml[root.end():]:
            return None
        prefix = root.group(1)
        close = xml.rfind(b"</" + prefix + b"sst>")
        if close < root.end():
            return None
        starts = _entry_starts(xml, prefix, root.end(), close)
        if not starts:
            return None
        unique = _UNIQUE.search(root.group(2))
        if unique is not None and int(unique.group(1)) != len(starts):
            return None
        starts.append(close)
        return cls(xml, prefix, starts, close)

    def for_rows(self, rows: bytes, cell_prefix: bytes) -> tuple[bytes, bytes]:
        """(the table, the rows) for a part whose sheet rows are ``rows`` (its cells'
        tags named with ``cell_prefix``): the same entries at the indexes the cells
        use and the others empty; when that would be mostly empty entries (the end
        of a very large sheet), only the entries used, and the rows with their
        cells' indexes changed to match; the whole table and the rows as they are
        when the cells cannot all be read."""
        if self._value_prefix != cell_prefix:
            p = re.escape(cell_prefix)
            self._index = re.compile(rb't="s"[^>]*><' + p + rb"v>([0-9]+)</" + p + b"v>")
            self._value = re.compile(rb'(t="s"[^>]*><' + p + rb"v>)([0-9]+)(</" + p + b"v>)")
            self._exact = re.compile(rb'(?<=t="s"><' + p + rb"v>)[0-9]+(?=</" + p + b"v>)")
            self._exact_mark = b't="s"><' + cell_prefix + b"v>"
            self._value_prefix = cell_prefix
        found = self._index.findall(rows)
        if rows.count(_SHARED_MARK) != len(found) or b"t='s'" in rows:
            return self.xml, rows
        if not found:
            return self._head + self._tail, rows
        values = dict.fromkeys(found)
        used = sorted(set(map(int, values)))
        if used[-1] >= self.count:
            return self.xml, rows         # the parse says what is wrong
        if used[-1] + 1 - len(used) > max(MOST_EMPTY, EMPTY_SHARE * len(used)):
            return self._renumbered(rows, used, values, len(found))
        xml, starts, empty = self.xml, self._starts, self._empty
        pieces = [self._head]
        append = pieces.append
        at = 0
        # runs of consecutive indexes are copied as one piece (a part's new texts
        # mostly follow each other in the table)
        for first, last in _runs(used):
            if first > at:
                append(empty * (first - at))
            append(xml[starts[first]:starts[last + 1]])
            at = last + 1
        append(self._tail)
        return b"".join(pieces), rows

    def _renumbered(self, rows: bytes, used: list[int], values: dict, cells: int
                    ) -> tuple[bytes, bytes]:
        """The table of only the entries ``used`` (in that order) and ``rows`` with each
        text cell's index changed to its entry's place there."""
        xml, starts = self.xml, self._starts
        place = {index: b"%d" % n for n, index in enumerate(used)}
        new = {value: place[int(value)] for value in values}
        if rows.count(self._exact_mark) == cells:        # every cell written t="s"><v>
            rows = self._exact.sub(lambda m: new[m[0]], rows)
        else:
            rows = self._value.sub(lambda m: m[1] + new[m[2]] + m[3], rows)
        table = b"".join([self._head, *[xml[starts[i]:starts[i + 1]] for i in used],
                          self._tail])
        return table, rows
