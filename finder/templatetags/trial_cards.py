"""A trial card's cached parts (``{% card_fragments %}``, ``{% cardfragment %}``) and its
small parts written in Python (``{% card_where %}``, ``{% card_facts %}``...).

Most of a search page's work was its ten trial cards (``includes/trial_card.html``).
What a card shows of the trial itself is the same for every visitor: the heading with
the spots left and the notes under it ("head"), the facts, the badges and the links
("tail"). In a list of cards wrapped in ``{% card_fragments %}`` those parts are kept in
the "fragments" cache, one entry per card, keyed on everything they can read:

* every field of the trial as it was loaded (its values, not a version stamp: a trial
  changed in any way, ``QuerySet.update`` included, is a new key, never a stale card);
* whether its "spots left" figure is still current today (it stops being shown once
  its date has gone by, with nothing changed in the trial);
* the page's language;
* the values the card's parts depend on (the heading level, the link to a result);
* ``finder.views.fragments_version`` (the templates, the translations, the code).

What is the visitor's own (where the nearest clinic is and how far, a verdict and its
reason) is never inside a cached part: the card renders it on every request, between
them. The keys hold no visitor data either, only the trial's and the page's.

``{% card_fragments cards heading_level=3 %}...{% endcard_fragments %}`` reads the parts
of every card of ``cards`` in one ``get_many`` and writes those it had to render in one
``set_many``. A ``{% cardfragment %}`` outside it (the questionnaire's results), or whose
trial or values are not those it was given, is rendered as if nothing were cached.

The card's nearest clinic, facts, badges and demonstration line are the shared includes
(``recruiting_where.html``, ``trial_facts.html``, ``trial_badges.html``,
``illustrative_notice.html``, which the trial page keeps using) written in Python, to the
character: each is a few of Django's template nodes and includes per card, the most of a
card's cost, the nearest clinic on every request. tests/web/test_trial_card_cache.py
renders each against its include, in English and Spanish.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django import template
from django.core.cache import caches
from django.template.base import render_value_in_context, token_kwargs
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .trial_display import age_range, distance

register = template.Library()

#: The cache alias and the time a part is kept (its key changes with anything it shows).
FRAGMENT_CACHE = "fragments"
FRAGMENT_TIMEOUT = 3600
#: Where ``{% card_fragments %}`` leaves what it read, for the cards inside it.
CARD_PARTS = "_trial_card_parts"


@dataclass
class CardParts:
    """The cards of one ``{% card_fragments %}``: each card's key by its trial (by ``id``,
    with the trial itself: only that very object has that key), the values each part was
    keyed with, the parts found in the cache and those rendered since."""

    keys: dict[int, tuple[object, str]]
    vary: dict[str, tuple[str, ...]]
    found: dict[str, dict[str, str]]
    rendered: dict[str, dict[str, str]] = field(default_factory=dict)

    def key(self, trial, part: str, vary: tuple[str, ...]) -> str | None:
        known = self.keys.get(id(trial))
        if known is None or known[0] is not trial or self.vary.get(part) != vary:
            return None
        return known[1]


def trial_row(trial) -> tuple:
    """Every field of ``trial`` as loaded (a deferred field is not read: a card never
    shows one, ``finder.selectors.CARD_UNUSED_TRIAL_FIELDS``)."""
    loaded = trial.__dict__
    return tuple(
        (f.attname, loaded[f.attname]) for f in trial._meta.concrete_fields if f.attname in loaded
    )


def card_key(trial, vary: dict[str, tuple[str, ...]]) -> str:
    """The cache key of the parts of ``trial``'s card, each part with its values ``vary``,
    in the page's language, today."""
    from finder.selectors import spots_left_current
    from finder.views import fragments_version

    source = (
        fragments_version(),
        get_language(),
        sorted(vary.items()),
        spots_left_current(trial=trial),
        trial_row(trial),
    )
    digest = hashlib.blake2b(repr(source).encode(), digest_size=16).hexdigest()
    return f"template.cache.trial_card.{digest}"


class CardFragmentsNode(template.Node):
    def __init__(self, nodelist, cards, heading_level, result_url):
        self.nodelist = nodelist
        self.cards = cards
        self.heading_level = heading_level
        self.result_url = result_url

    def render(self, context) -> str:
        cards = self.cards.resolve(context) or ()
        result_url = self.result_url.resolve(context) if self.result_url else ""
        # As includes/trial_card.html gives them to its two parts.
        vary = {"head": (str(self.heading_level.resolve(context)),), "tail": (str(result_url),)}
        keys = {id(card.trial): (card.trial, card_key(card.trial, vary)) for card in cards}
        cache = caches[FRAGMENT_CACHE]
        wanted = [key for _, key in keys.values()]
        parts = CardParts(keys=keys, vary=vary, found=cache.get_many(wanted) if wanted else {})
        with context.push({CARD_PARTS: parts}):
            html = self.nodelist.render(context)
        if parts.rendered:
            cache.set_many(
                {key: {**parts.found.get(key, {}), **new} for key, new in parts.rendered.items()},
                FRAGMENT_TIMEOUT,
            )
        return html


class CardFragmentNode(template.Node):
    def __init__(self, nodelist, part: str, trial, vary: list):
        self.nodelist = nodelist
        self.part = part
        self.trial = trial
        self.vary = vary

    def render(self, context) -> str:
        parts = context.get(CARD_PARTS)
        key = None
        if parts is not None:
            vary = tuple(str(value.resolve(context)) for value in self.vary)
            key = parts.key(self.trial.resolve(context), self.part, vary)
        if key is None:
            return self.nodelist.render(context)
        html = parts.found.get(key, {}).get(self.part)
        if html is None:
            html = self.nodelist.render(context)
            parts.rendered.setdefault(key, {})[self.part] = str(html)
        return html


def _shown(context):
    """``value -> str`` as ``{{ value }}`` and blocktranslate show it: localized, escaped."""
    return lambda value: render_value_in_context(value, context)


@register.simple_tag(takes_context=True)
def card_where(context, nearest, others, site_count, unit) -> SafeString:
    """A card's "Recruiting in Palo Alto (2 mi) · +190 other locations", the visitor's own
    (rendered on every request): ``includes/recruiting_where.html`` in Python, to the
    character. ``nearest`` (a RankedSite or None), ``others`` (its trial's other
    recruiting sites), ``site_count`` (shown when there is no nearest site), ``unit``."""

    value = _shown(context)
    if nearest:
        how_far = distance(nearest, unit)
        city = value(nearest.city or nearest.facility)
        if how_far:
            text = _("Recruiting in %(city)s (%(how_far)s)") % {
                "city": city,
                "how_far": value(how_far),
            }
        else:
            text = _("Recruiting in %(city)s") % {"city": city}
        more = ""
        if others:
            count = ngettext(
                "+%(counter)s other location", "+%(counter)s other locations", others
            ) % {"counter": value(others)}
            more = f'<span class="muted">{count}</span>'
        body = f"{text}\n  {more}\n"
    elif site_count:
        count = ngettext(
            "Recruiting at %(counter)s location", "Recruiting at %(counter)s locations", site_count
        ) % {"counter": value(site_count)}
        body = f"{count}\n"
    else:
        body = f'<span class="muted">{_("No recruiting clinic listed yet")}</span>'
    # Safe as blocktranslate's output is: the values escaped, the words the catalogue's.
    return mark_safe(f'\n<p class="trial-card__where">\n{body}\n</p>\n')  # noqa: S308


@register.simple_tag(takes_context=True)
def card_facts(context, trial) -> SafeString:
    """A card's facts (age, sex, phase, sponsor): ``includes/trial_facts.html`` in Python,
    to the character (rendered on a card's first showing only, inside its cached part)."""
    shown = _shown(context)
    rows = [
        f"<div><dt>{_('Age')}</dt><dd>{conditional_escape(age_range(trial))}</dd></div>",
        f"<div><dt>{_('Sex')}</dt><dd>{shown(trial.get_sex_display())}</dd></div>",
    ]
    phase = trial.phase_label
    rows.append(f"<div><dt>{_('Phase')}</dt><dd>{shown(phase)}</dd></div>" if phase else "")
    sponsor = trial.sponsor
    rows.append(f"<div><dt>{_('Sponsor')}</dt><dd>{shown(sponsor)}</dd></div>" if sponsor else "")
    # Safe as the template's output is: the values escaped, the words the catalogue's.
    return mark_safe('\n<dl class="facts">\n  ' + "\n  ".join(rows) + "\n</dl>\n")  # noqa: S308


@register.simple_tag(takes_context=True)
def card_badges(context, trial) -> SafeString:
    """A card's badges ("No placebo group", ...): ``includes/trial_badges.html`` in
    Python, to the character (inside the card's cached part)."""
    from finder.selectors import trial_badges

    shown = _shown(context)
    badges = "".join(f'<li class="badge">{shown(b.label)}</li>' for b in trial_badges(trial=trial))
    if not badges:
        return mark_safe("\n")  # noqa: S308
    return mark_safe(f'\n<ul class="badges">{badges}</ul>\n\n')  # noqa: S308


@register.simple_tag(takes_context=True)
def card_demo_note(context, trial) -> SafeString:
    """A demonstration trial's line on its card: ``includes/illustrative_notice.html``
    with ``compact=True``, in Python, to the character (inside the card's cached part)."""
    if not trial.sites_are_illustrative:
        return mark_safe("\n")  # noqa: S308
    name = _shown(context)(trial.acronym or trial.nct_id)
    text = _(
        "%(name)s ended in 2011; it is shown as recruiting, with illustrative clinics, so "
        "that you can try every step."
    ) % {"name": name}
    note = f'<p class="trial-card__demo"><strong>{_("A demonstration")}:</strong> {text}</p>'
    return mark_safe(f"\n\n{note}\n\n\n")  # noqa: S308


@register.tag("cardfragment")
def do_cardfragment(parser, token) -> CardFragmentNode:
    """``{% cardfragment "head" trial value... %}...{% endcardfragment %}``: the enclosed
    part of ``trial``'s card, from the cache when it was rendered before with the same
    trial, language and values, inside ``{% card_fragments %}`` (see the module's
    docstring for what it may enclose)."""
    bits = token.split_contents()
    if len(bits) < 3 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes a quoted part name, a trial and the values it varies on"
        )
    nodelist = parser.parse(("endcardfragment",))
    parser.delete_first_token()
    return CardFragmentNode(
        nodelist,
        bits[1][1:-1],
        parser.compile_filter(bits[2]),
        [parser.compile_filter(b) for b in bits[3:]],
    )


@register.tag("card_fragments")
def do_card_fragments(parser, token) -> CardFragmentsNode:
    """``{% card_fragments cards heading_level=3 [result_url=...] %}...{% endcard_fragments %}``:
    the enclosed list of ``cards`` (each with a ``trial``), their parts read in one round
    trip and written in another. The values are those the cards give their parts (a part
    given others is rendered uncached, nothing worse)."""
    bits = token.split_contents()
    options = token_kwargs(bits[2:], parser)
    if (
        len(bits) < 2
        or len(options) != len(bits) - 2
        or set(options) - {"heading_level", "result_url"}
    ):
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes the cards, heading_level= and optionally result_url="
        )
    nodelist = parser.parse(("endcard_fragments",))
    parser.delete_first_token()
    return CardFragmentsNode(
        nodelist,
        parser.compile_filter(bits[1]),
        options.get("heading_level") or parser.compile_filter("2"),
        options.get("result_url"),
    )
