"""The language menu: the choice is kept on the person and wins over the browser's language."""

from django.conf import settings
from django.urls import reverse


def choose(client, language, next_path="/activities/"):
    return client.post(reverse("accounts:language"), {"language": language, "next": next_path})


def test_a_signed_in_person_keeps_the_chosen_language(client_as, rep):
    client = client_as(rep)
    response = choose(client, "nl")
    assert response.status_code == 302 and response.url == "/activities/"
    rep.refresh_from_db()
    assert rep.language == "nl"
    # Another browser (no cookie), which asks for English: the person's choice wins.
    client.cookies.clear()
    client.force_login(rep)
    page = client.get(reverse("activities:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "nl"
    assert '<html lang="nl">' in page.content.decode()


def test_a_language_the_product_lacks_changes_nothing(client_as, rep):
    rep.language = "ro"
    rep.save()
    choose(client_as(rep), "fr")
    rep.refresh_from_db()
    assert rep.language == "ro"


def test_without_a_choice_the_browser_language_holds(client_as, rep):
    assert rep.language == ""
    page = client_as(rep).get(reverse("activities:list"), HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9")
    assert page["Content-Language"] == "zh-hans"


def test_on_the_sign_in_page_the_choice_is_a_cookie(client):
    response = choose(client, "ro", "/accounts/login/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ro"
    assert '<html lang="ro">' in client.get(reverse("accounts:login")).content.decode()


def test_an_admin_sets_a_persons_language(client_as, admin_user, rep):
    page = client_as(admin_user).get(reverse("accounts:user_edit", args=[rep.pk]))
    assert 'name="language"' in page.content.decode()
