"""Sign-in lockouts (django-axes) are by user name and address together.

Issue 21 found that after five failures of one coordinator, a colleague with the right
password on the same address (a hospital's NAT) got 429: axes locked the address and
the user name separately. Operators unlock with axes' management commands.
"""

import pytest
from django.core.management import call_command
from django.test import Client

from tests.referrals.factories import PASSWORD, SiteMembershipFactory

LOGIN = "/accounts/login/"
HOSPITAL_NAT = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def colleagues(site):
    return SiteMembershipFactory(site=site).user, SiteMembershipFactory(site=site).user


def sign_in(username: str, password: str, address: str) -> int:
    response = Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})
    return response.status_code


def fail_until_locked(username: str, address: str, settings) -> None:
    statuses = [sign_in(username, "wrong", address) for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429


def test_a_colleague_on_the_same_address_still_signs_in(colleagues, settings):
    careless, colleague = colleagues
    fail_until_locked(careless.username, HOSPITAL_NAT, settings)
    assert sign_in(colleague.username, PASSWORD, HOSPITAL_NAT) == 302


def test_the_user_is_locked_out_from_that_address_even_with_the_right_password(
    colleagues, settings
):
    careless, _ = colleagues
    fail_until_locked(careless.username, HOSPITAL_NAT, settings)
    assert sign_in(careless.username, PASSWORD, HOSPITAL_NAT) == 429


def test_the_user_is_not_locked_out_from_another_address(colleagues, settings):
    careless, _ = colleagues
    fail_until_locked(careless.username, HOSPITAL_NAT, settings)
    assert sign_in(careless.username, PASSWORD, ELSEWHERE) == 302


def test_failures_spread_over_user_names_lock_no_one_out(colleagues, site, settings):
    guesses = [SiteMembershipFactory(site=site).user for _ in range(settings.AXES_FAILURE_LIMIT)]
    for user in guesses:
        assert sign_in(user.username, "wrong", HOSPITAL_NAT) == 200
    assert sign_in(colleagues[0].username, PASSWORD, HOSPITAL_NAT) == 302


def test_an_operator_unlocks_a_user_name(colleagues, settings):
    careless, _ = colleagues
    fail_until_locked(careless.username, HOSPITAL_NAT, settings)
    call_command("axes_reset_username", careless.username)
    assert sign_in(careless.username, PASSWORD, HOSPITAL_NAT) == 302


def test_an_operator_unlocks_a_user_name_at_one_address(colleagues, settings):
    careless, _ = colleagues
    fail_until_locked(careless.username, HOSPITAL_NAT, settings)
    call_command("axes_reset_ip_username", HOSPITAL_NAT, careless.username)
    assert sign_in(careless.username, PASSWORD, HOSPITAL_NAT) == 302


def test_behind_a_proxy_the_forwarded_address_counts(colleagues, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    careless, _ = colleagues

    def via_balancer(password: str, client_address: str) -> int:
        response = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address).post(
            LOGIN, {"username": careless.username, "password": password}
        )
        return response.status_code

    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_balancer("wrong", HOSPITAL_NAT)
    assert via_balancer(PASSWORD, HOSPITAL_NAT) == 429
    assert via_balancer(PASSWORD, ELSEWHERE) == 302
