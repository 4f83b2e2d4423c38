"""A NUL byte or another control character in the new-watch page's query string is a
clear answer, never a 500: PostgreSQL refuses a NUL in text, SQLite keeps it (issue 22
audit, gap 2). Run on both: the suite runs on PostgreSQL through DATABASE_URL."""

import pytest

from watches.models import Watch
from watches.services import WatchRejected

from .conftest import make_watch
from .test_opt_in import NEW, save

pytestmark = pytest.mark.django_db


REFUSED = "The search to watch (condition) contains control characters"


@pytest.mark.parametrize("trial", ["NCT0643375\x002", "\x00", "NCT06433752\x00", "x" * 300])
def test_a_trial_that_is_not_an_nct_id_is_ignored_on_the_page(visitor, enable_trial, trial):
    response = visitor.get(NEW, {"trial": trial})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Recruiting studies for “multiple sclerosis”" in html  # the search, not a trial
    assert "· ENABLE" not in html  # the trial is not named (the form's action may echo it)


def test_a_trial_that_is_not_an_nct_id_is_ignored_when_saving(visitor, enable_trial):
    response = save(visitor, NEW + "?trial=NCT06433752%00")
    assert response.status_code == 302
    watch = Watch.objects.get()
    assert watch.trial is None and watch.condition == "multiple sclerosis"


def test_an_nct_id_in_lower_case_is_the_trial(visitor, enable_trial):
    assert save(visitor, NEW + "?trial=nct06433752").status_code == 302
    assert Watch.objects.get().trial == enable_trial


@pytest.mark.parametrize("condition", ["relapsing\x00MS", "MS\x07", "\x1b[31mMS"])
def test_a_condition_with_a_control_character_is_refused_on_the_page(visitor, condition):
    response = visitor.get(NEW, {"condition": condition})
    assert response.status_code == 400
    html = response.content.decode()
    assert REFUSED in html
    assert "\x00" not in html and "\x07" not in html and "\x1b" not in html


def test_a_condition_with_a_nul_is_refused_when_saving(visitor):
    response = save(visitor, NEW + "?condition=relapsing%00MS")
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not Watch.objects.exists()


def test_the_refusal_is_in_spanish_too(visitor):
    response = save(visitor, NEW + "?condition=MS%00", headers={"accept-language": "es"})
    assert response.status_code == 400
    assert "(condition)" in response.content.decode()
    assert REFUSED not in response.content.decode()


def test_tabs_and_newlines_are_only_spaces(visitor):
    assert save(visitor, NEW + "?condition=relapsing%09%0AMS").status_code == 302
    assert Watch.objects.get().condition == "relapsing MS"


def test_the_service_refuses_a_control_character_too(settings_for_mail):
    with pytest.raises(WatchRejected) as refused:
        make_watch(condition="multiple\x00sclerosis")
    assert refused.value.field == "condition"
    assert not Watch.objects.exists()
