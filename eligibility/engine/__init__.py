"""The eligibility rules engine: plain Python, no Django import.

``rules`` defines the rule language and validates it, ``evaluate`` compiles rules and
evaluates them with three-valued logic into verdicts with explanations, ``questions``
picks the next question of the adaptive questionnaire.
"""
