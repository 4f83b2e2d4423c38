"""The identity of a registered criterion line, shared by the import and the review.

A re-import recognises an unchanged line by this hash (``Criterion.line_hash``), and a
curator's recorded decision finds its line by it; both must compute it the same way, so
it lives here, in plain Python that the catalog's import (``finder.registry_criteria``)
and the review (``eligibility.review``) both import.
"""

from __future__ import annotations

import hashlib
import re


def line_hash(kind: str, text: str) -> str:
    """The identity of a registered line: its kind and its words (case, spacing and
    punctuation aside), so a re-import recognises an unchanged line."""
    words = " ".join(re.findall(r"\w+", text.casefold()))
    return hashlib.sha256(f"{kind}\n{words}".encode()).hexdigest()
