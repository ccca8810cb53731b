"""Every string the program shows has an Indonesian translation."""

import re
import subprocess
import sys
from pathlib import Path

from puskesos import i18n
from puskesos.i18n import _, read_catalog

ROOT = Path(__file__).resolve().parents[2]


def test_every_shown_string_is_translated():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "i18n_extract.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_translations_keep_their_placeholders():
    singular, plural = read_catalog(ROOT / "puskesos" / "locale" / "id.po")
    field = re.compile(r"{\w*}")
    bad = [k for k, v in singular.items() if set(field.findall(k)) != set(field.findall(v))]
    assert bad == []


def test_language_switch():
    i18n.set_language("id")
    assert _("Households") == "Keluarga"
    i18n.set_language("en")
    assert _("Households") == "Households"
