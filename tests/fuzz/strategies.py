"""Hypothesis strategies for hostile form input: random text plus known attack strings."""

from hypothesis import strategies as st

SQL_INJECTION = [
    "' OR '1'='1",
    "'; DROP TABLE finder_trial; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)--",
    "1' UNION SELECT username, password FROM auth_user--",
    "%' AND 1=0 UNION SELECT NULL--",
]
SCRIPT_INJECTION = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
]
ODD_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u0000\ufeff",
    "9" * 400,
    "-1e309",
    "NaN",
    "inf",
    "1e999",
    "0x41",
    "../../etc/passwd",
    "%00",
    "\ud7ff" * 10,
    "😀" * 50,
]
ATTACKS = SQL_INJECTION + SCRIPT_INJECTION + ODD_VALUES

hostile_text = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
hostile_values = st.one_of(hostile_text, st.lists(hostile_text, max_size=4))
