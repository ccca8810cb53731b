"""Field names and stored values as the operator reads them in the history and forms."""

from puskesos.core.labels import field_label, value_label


def test_fields_are_named_in_indonesian_for_the_entity_they_belong_to():
    assert field_label("member", "name") == "Nama"
    assert field_label("member", "birth_date") == "Tanggal lahir"
    assert field_label("household", "address") == "Alamat"
    # a member has no address field and a household no name: the key shows as it is
    assert field_label("member", "address") == "address"
    assert field_label("household", "name") == "name"


def test_an_unknown_field_shows_its_key_instead_of_failing():
    assert field_label("member", "hobby") == "hobby"


def test_an_empty_value_shows_as_a_dash():
    assert value_label("member", "name", None) == "—"
    assert value_label("member", "name", "") == "—"
    assert value_label("household", "floor", "") == "—"


def test_a_coded_value_shows_its_label_for_the_right_entity():
    assert value_label("member", "sex", "L") == "Laki-laki"
    assert value_label("member", "sex", "P") == "Perempuan"
    assert value_label("member", "relationship_code", "1") == "Kepala keluarga"
    assert value_label("household", "floor", "1") == "Marmer/granit"
    # the same code under a field of the other entity is not translated
    assert value_label("household", "relationship_code", "1") == "1"
    assert value_label("member", "floor", "1") == "1"


def test_pregnancy_shows_as_yes_or_no():
    assert value_label("member", "pregnant", "1") == "ya"
    assert value_label("member", "pregnant", "0") == "tidak"


def test_dates_show_day_first_as_on_a_kk():
    assert value_label("member", "birth_date", "1980-01-05") == "05-01-1980"
    assert value_label("member", "presence_date", "2020-12-31") == "31-12-2020"
    # an incomplete date is shown as stored, not mangled
    assert value_label("member", "birth_date", "1980-01") == "1980-01"
    # other fields holding a date-like text are shown as typed
    assert value_label("member", "presence_note", "1980-01-05") == "1980-01-05"


def test_a_free_text_value_is_shown_as_stored():
    assert value_label("member", "occupation", "Petani") == "Petani"
