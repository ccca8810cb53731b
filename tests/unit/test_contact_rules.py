"""The office's contact details and signatories as the letterhead prints them: the
rules hold wherever they are typed (the window, the command line)."""

import pytest

from puskesos.core.contact import email_problem, nip_problem, postal_code_problem
from puskesos.i18n import _


@pytest.mark.parametrize("text", ["", "62361", " 62361 "])
def test_a_postal_code_of_five_digits_or_none_is_accepted(text):
    assert postal_code_problem(text) is None


@pytest.mark.parametrize("text", ["6236", "623611", "6236a", "６２３６１"])
def test_a_postal_code_that_is_not_five_digits_is_refused(text):
    assert postal_code_problem(text) == _("The postal code has 5 digits.")


@pytest.mark.parametrize("text", ["", "puskesos@desa.id", "kasi.kesra@jatirejo.desa.id"])
def test_a_plain_e_mail_address_is_accepted(text):
    assert email_problem(text) is None


@pytest.mark.parametrize("text", ["puskesos desa.id", "puskesos@desa", "puskesos@desa.",
                                  "pus kesos@desa.id", "a@@desa.id"])
def test_an_e_mail_address_that_cannot_be_written_to_is_refused(text):
    assert email_problem(text) == _("The e-mail address {email} does not look right.").format(
        email=text.strip())


@pytest.mark.parametrize("text", ["", "196501011990031005", "19650101 199003 1 005"])
def test_an_eighteen_digit_nip_with_or_without_spaces_or_none_is_accepted(text):
    assert nip_problem(text) is None


@pytest.mark.parametrize("text", ["3523011708900001",          # a NIK (16 digits)
                                  "1965010119900310051",       # 19 digits
                                  "1965010119900310O5"])       # a letter O for a zero
def test_a_nip_that_is_not_eighteen_digits_is_refused_with_what_to_do(text):
    assert nip_problem(text, label="NIP Kepala Desa") == _(
        "{label} has 18 digits (spaces allowed between the groups). Leave it empty if the "
        "person has no NIP.").format(label="NIP Kepala Desa")
