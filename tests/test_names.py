"""A person's name from its two parts, as its readers write it (salestracker/names.py)."""

import pytest

from salestracker.names import full_name, short_name
from tests.factories import ContactFactory, RepFactory


@pytest.mark.parametrize(
    "first, last, written",
    [
        ("Ada", "Lovelace", "Ada Lovelace"),
        ("伟", "张", "张伟"),  # family name first, no space
        ("Ștefan", "Popescu", "Ștefan Popescu"),
        ("Ada", "", "Ada"),
        ("", "张", "张"),
        ("", "", ""),
    ],
)
def test_a_name_is_written_as_its_readers_write_it(first, last, written):
    assert full_name(first, last) == written


@pytest.mark.django_db
def test_people_and_contacts_are_named_alike():
    assert str(RepFactory(first_name="娜", last_name="李")) == "李娜"
    assert str(ContactFactory(first_name="伟", last_name="王")) == "王伟"


@pytest.mark.parametrize(
    "first, last, greeted",
    [("Ada", "Lovelace", "Ada"), ("明", "陈", "陈明"), ("Ada", "", "Ada"), ("", "Lovelace", "")],
)
def test_a_greeting_calls_someone_as_their_readers_would(first, last, greeted):
    assert short_name(first, last) == greeted
    assert RepFactory.build(first_name=first, last_name=last).get_short_name() == greeted
