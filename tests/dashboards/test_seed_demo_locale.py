"""`seed_demo --locale`: the demo organisation in Chinese, Dutch or Romanian names and words
(dashboards/demo/locales.py), its users in that language, the organisation in that currency."""

import re
from dataclasses import fields

import pytest
from django.core.management import call_command

from accounts.models import Team, Territory, User
from dashboards.demo.locales import ENGLISH, LOCALES
from dashboards.demo.quotas import QUARTER_QUOTAS
from dashboards.management.commands.seed_demo import logins_text
from forecast.models import ForecastCall
from pipeline.models import Company, Competitor, Contact, LeadSource, LostReason, Pipeline, Stage
from quotas.models import MetricGoal, OrgSettings, Quota
from salestracker.names import full_name

CURRENCIES = {"zh-hans": "CNY", "nl": "EUR", "ro": "RON"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", params=sorted(CURRENCIES))
def demo(request, django_db_setup, django_db_blocker):
    """The small demo (three deals per rep, a week of activity) seeded once per language."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 3)
        patch.setattr("dashboards.demo.activities.DAYS", 7)
        call_command("seed_demo", locale=request.param)
        yield request.param
        call_command("flush", interactive=False, verbosity=0)


# First: the other languages' demo stays in the database until the module's last test.
def test_the_english_demo_leaves_language_and_currency_as_they_were(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 3)
    monkeypatch.setattr("dashboards.demo.activities.DAYS", 7)

    call_command("seed_demo")

    assert set(User.objects.values_list("language", flat=True)) == {""}
    assert OrgSettings.load().currency == "USD"
    assert User.objects.get(username="manager").get_full_name() == "Morgan Lee"


def _english_words() -> set[str]:
    words = {name for person in ENGLISH.people.values() for name in person}
    words |= {ENGLISH.company_name(index) for index in range(48)}
    for attribute in ("teams", "territories", "pipelines", "stages"):
        words |= set(getattr(ENGLISH, attribute).values())
    for attribute in ("lead_sources", "competitors", "lost_reasons", "first_names", "last_names", "titles"):
        words |= set(getattr(ENGLISH, attribute))
    return words | {ENGLISH.reward_description}


def _seeded_words() -> set[str]:
    words = set()
    for first, last in User.objects.values_list("first_name", "last_name"):
        words |= {first, last}
    for first, last, title in Contact.objects.values_list("first_name", "last_name", "title"):
        words |= {first, last, title}
    for model in (Company, Team, Territory, Pipeline, Stage, LeadSource, Competitor, LostReason):
        words |= set(model.objects.values_list("name", flat=True))
    words |= set(MetricGoal.objects.exclude(reward_description="").values_list("reward_description", flat=True))
    return words | set(ForecastCall.objects.exclude(note="").values_list("note", flat=True))


def test_no_name_or_word_is_the_english_demos(demo, db):
    seeded = _seeded_words()

    assert len(seeded) > 100
    assert not seeded & _english_words()


def test_the_demos_names_are_written_in_its_languages_script(demo, db):
    chinese = demo == "zh-hans"
    people = [
        *User.objects.values_list("first_name", "last_name"),
        *Contact.objects.values_list("first_name", "last_name"),
    ]
    names = [name for person in people for name in person]
    names += Company.objects.values_list("name", flat=True)
    names += Team.objects.values_list("name", flat=True)

    # Chinese in Chinese characters, Dutch and Romanian in Latin letters.
    assert all(bool(CJK.search(name)) == chinese for name in names)
    if chinese:
        # The family name is the last name: one character, as the mainland's usual ones are.
        assert all(len(last) == 1 for _first, last in people)


def test_the_demo_users_speak_its_language(demo, db):
    assert set(User.objects.values_list("language", flat=True)) == {demo}


def test_the_organisation_counts_in_the_countrys_currency(demo, db):
    assert OrgSettings.load().currency == CURRENCIES[demo]
    assert set(MetricGoal.objects.exclude(reward_currency="").values_list("reward_currency", flat=True)) == {
        CURRENCIES[demo]
    }


def test_quotas_and_rewards_are_in_the_countrys_money(demo, db):
    # About what a dollar of the English demo buys: yuan-sized and lei-sized deals and targets.
    money = {"zh-hans": 7, "nl": 1, "ro": 5}[demo]
    rep = User.objects.get(username="rep")

    assert set(Quota.objects.filter(rep=rep).values_list("target", flat=True)) == {QUARTER_QUOTAS["rep"] * money}
    rewards = MetricGoal.objects.exclude(reward_amount=None).values_list("reward_amount", flat=True)
    assert set(rewards) == {250 * money}


def test_the_companies_are_in_the_countrys_time_zone(demo, db):
    # The best-time story (insights/demo.py) needs every company's zone.
    assert set(Company.objects.values_list("time_zone", flat=True)) == {LOCALES[demo].time_zone}


def test_the_contacts_emails_are_romanised(demo, db):
    emails = Contact.objects.values_list("email", flat=True)

    assert all(re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+@[a-z0-9-]+\.example", email) for email in emails)


def test_the_logins_show_the_names_seeded(demo, db):
    first, last = LOCALES[demo].people["manager"]

    text = logins_text()

    assert f"manager    {full_name(first, last)} — " in text
    assert LOCALES[demo].teams["east"] in text
    assert "Morgan" not in text


@pytest.mark.parametrize("code", sorted(CURRENCIES))
def test_every_language_tells_the_english_demos_stories(code):
    # As many words to draw from as in English: the seeded draws, and so every figure, are the same.
    words = LOCALES[code]
    for attribute in fields(words):
        english = getattr(ENGLISH, attribute.name)
        if isinstance(english, (list, dict)) and attribute.name != "latin":
            assert len(getattr(words, attribute.name)) == len(english), attribute.name
    assert words.people.keys() == ENGLISH.people.keys()
    assert words.stages.keys() == ENGLISH.stages.keys()
