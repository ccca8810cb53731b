"""A date typed in the window is read by the same rules as a date in an imported
file, and shown the same way everywhere (dd-mm-yyyy)."""

from datetime import date

import pytest

from puskesos.core.bahasa import short_date
from puskesos.core.normalize import date_cell
from puskesos.ui.widgets import DateEdit


@pytest.mark.parametrize("typed, expected", [
    ("17-08-1980", date(1980, 8, 17)), ("17/08/1980", date(1980, 8, 17)),
    ("1980-08-17", date(1980, 8, 17)), ("17 Agustus 1980", date(1980, 8, 17)),
    ("", None)])
def test_a_date_field_reads_what_an_import_reads(qtbot, typed, expected):
    field = DateEdit()
    qtbot.addWidget(field)
    qtbot.keyClicks(field, typed)
    assert field.is_valid() and field.value() == expected == date_cell(typed)[0]


@pytest.mark.parametrize("typed", ["31-02-2026", "17-08-80", "kemarin"])
def test_a_date_that_does_not_exist_is_refused_with_the_import_s_reason(qtbot, typed):
    field = DateEdit()
    qtbot.addWidget(field)
    qtbot.keyClicks(field, typed)
    assert not field.is_valid()
    with pytest.raises(ValueError) as refused:
        field.value()
    assert str(refused.value) == date_cell(typed)[1]


def test_a_date_is_shown_day_month_year(qtbot):
    field = DateEdit()
    qtbot.addWidget(field)
    field.set_value(date(2026, 8, 7))
    assert field.text() == "07-08-2026" == short_date(date(2026, 8, 7))
