"""The referral fixtures these tests share with tests/referrals."""

from tests.referrals.conftest import partner_key, site, trial  # noqa: F401
