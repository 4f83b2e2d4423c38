"""The eligibility rules engine: plain Python (and numpy), no Django, none of our apps.

``facts`` is the fact registry (the answer keys of the public contract, their types,
ranges, questions, labels and JSON Schemas, treatment code groups, and answer
validation and derivation); ``rules`` defines the rule language and validates it;
``evaluate`` compiles rules and evaluates them with three-valued logic into verdicts
with explanations; ``catalog`` evaluates one answer set against a whole catalog of
trials at once (each distinct rule once, the rest in numpy); ``questions`` picks the
next question of the adaptive questionnaire.
Beside them: ``values`` (how derived values such as a month's range of days, ``never``
and lists with members of unknown membership are represented), ``dates`` (days and
months as patients give them) and ``treatments`` (what a treatment history says).
"""
