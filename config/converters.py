"""URL converters shared by the apps' routes."""


class NctIdConverter:
    """A ClinicalTrials.gov id, ``NCT`` and eight digits (any case; views normalise it).

    Anything else never reaches a view, so no lookup is tried with a value that cannot
    name a trial (a NUL byte, say, which PostgreSQL refuses outright).
    """

    regex = "[Nn][Cc][Tt][0-9]{8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class ReferralReferenceConverter:
    """A referral reference as people type it: letters, digits and a dash, any case."""

    regex = "[0-9A-Za-z-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)
