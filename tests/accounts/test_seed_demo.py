import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role, Team, User
from tests.helpers import can_sign_in


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def test_it_seeds_the_demo_logins(db, debug_on, capsys):
    call_command("seed_demo")
    assert can_sign_in("rep", "demo")
    assert User.objects.get(username="admin").role == Role.ADMIN
    assert User.objects.get(username="manager").managed_teams.get().members.filter(username="rep").exists()
    assert "rep" in capsys.readouterr().out


def test_it_gives_the_director_a_department_of_teams(db, debug_on):
    call_command("seed_demo")
    director = User.objects.get(username="director")
    assert Team.objects.visible_to(director).count() == 3


def test_it_changes_nothing_when_the_demo_exists(db, debug_on, capsys):
    call_command("seed_demo")
    User.objects.filter(username="sam").update(first_name="Samuel")
    call_command("seed_demo")
    assert User.objects.get(username="sam").first_name == "Samuel"
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_it_starts_over_with_reset(debug_on):
    # Transactional: like the real command, the flush must not run inside a transaction.
    call_command("seed_demo")
    User.objects.filter(username="sam").update(first_name="Samuel")
    call_command("seed_demo", reset=True)
    assert User.objects.get(username="sam").first_name == "Sam"
    assert User.objects.filter(username="rep").count() == 1


def test_it_refuses_to_run_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
