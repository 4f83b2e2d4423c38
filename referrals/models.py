"""Referral models: see the referrals issue."""
