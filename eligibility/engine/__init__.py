"""The eligibility rules engine: plain Python, no Django import and no import of our apps.

``facts`` is the fact registry (the answer keys of the public contract, their types,
ranges, questions and labels, and answer validation); ``rules`` defines the rule
language and validates it; ``evaluate`` compiles rules and evaluates them with
three-valued logic into verdicts with explanations; ``questions`` picks the next
question of the adaptive questionnaire.
"""
