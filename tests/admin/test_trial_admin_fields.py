"""A trial's admin page stays a form Django accepts (issue 19): a registry trial's
hundreds of sites are linked to, not inlined; a staff member's admin form may post more
fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (a curated trial's runs to a few hundred),
anyone else keeps that limit; a trial with few sites keeps them inline."""

import json
import re
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command

from config.middleware import ADMIN_MAX_NUMBER_FIELDS
from finder.models import Trial

pytestmark = pytest.mark.django_db

FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"")


@pytest.fixture
def catalog():
    call_command("load_demo_catalog", stdout=StringIO())


def posted_fields(html: str) -> list[str]:
    return FIELD.findall(html)


@pytest.mark.parametrize("nct_id", ["NCT00548405", "NCT04047628", "NCT06408259"])
def test_every_trials_change_form_posts_fewer_fields_than_a_staff_member_may(
    admin_client, catalog, nct_id
):
    trial = Trial.objects.get(nct_id=nct_id)
    response = admin_client.get(f"/admin/finder/trial/{trial.pk}/change/")
    assert response.status_code == 200
    assert len(posted_fields(response.content.decode())) < ADMIN_MAX_NUMBER_FIELDS


def test_a_trial_with_many_sites_links_to_them(admin_client, catalog):
    trial = Trial.objects.get(nct_id="NCT00548405")  # CARE-MS II, 191 sites
    html = admin_client.get(f"/admin/finder/trial/{trial.pk}/change/").content.decode()
    assert "sites-TOTAL_FORMS" not in html
    link = f"/admin/sites/site/?trial__id__exact={trial.pk}"
    assert f'191 sites, too many to edit on this page: <a href="{link}">' in html
    listed = admin_client.get(link)
    assert listed.status_code == 200
    assert "191 sites" in listed.content.decode()


def form_data(response) -> dict:
    """The change form as a browser posts it: every bound field with its value."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        forms += inline.formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, (list, tuple)):
                value = [str(v) for v in value]
            elif isinstance(value, dict):
                value = json.dumps(value)
            elif not isinstance(value, str) and hasattr(field, "prepare_value"):
                value = field.prepare_value(value)
            data[form.add_prefix(name)] = value
    return data


def test_saving_a_curated_trial_over_200_fields_works_for_staff(admin_client, catalog):
    trial = Trial.objects.get(nct_id="NCT00548405")
    url = f"/admin/finder/trial/{trial.pk}/change/"
    data = form_data(admin_client.get(url))
    # A longer curated trial's form: more fields than the service-wide limit (the admin
    # ignores names it does not know).
    data.update({f"padding-{n}": "" for n in range(100)})
    fields = sum(len(v) if isinstance(v, list) else 1 for v in data.values())
    assert fields > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    data["spots_left"] = "40"

    posted = admin_client.post(
        url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
    )

    if posted.status_code != 302:
        errors = [posted.context["adminform"].form.errors]
        errors += [
            f.errors for s in posted.context["inline_admin_formsets"] for f in s.formset.forms
        ]
        errors += [s.formset.non_form_errors() for s in posted.context["inline_admin_formsets"]]
        raise AssertionError([e for e in errors if e])
    trial.refresh_from_db()
    assert trial.spots_left == 40


@pytest.mark.parametrize("staff", [False, True])
def test_only_staff_get_the_larger_limit(db, django_user_model, staff):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import TooManyFieldsSent
    from django.test import RequestFactory

    from config.middleware import StaffAdminFormFieldsMiddleware

    body = urlencode({f"p{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 50)})
    request = RequestFactory().post(
        "/admin/finder/trial/1/change/", body, content_type="application/x-www-form-urlencoded"
    )
    request.user = (
        django_user_model.objects.create_user("s", is_staff=True) if staff else AnonymousUser()
    )
    StaffAdminFormFieldsMiddleware(lambda r: None)(request)
    if staff:
        assert len(request.POST) == settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 50
    else:
        with pytest.raises(TooManyFieldsSent):
            request.POST  # noqa: B018


def test_a_trial_with_few_sites_keeps_them_inline(admin_client, db):
    from tests.factories import SiteFactory, TrialFactory

    trial = TrialFactory()
    SiteFactory(trial=trial)
    html = admin_client.get(f"/admin/finder/trial/{trial.pk}/change/").content.decode()
    assert "sites-TOTAL_FORMS" in html and "1, edited below" in html
