"""The criteria reader: a registered criterion line in, a proposed contract v2 rule out.

Plain Python (the standard library and :mod:`eligibility.engine` only), deterministic, no
network. For each line the registry splitter (``finder.criteria_lines``) produced,
:func:`propose` returns one :class:`Proposal` (a rule, its patient text in English and
Spanish, the pattern that produced it and the reason a curator reads) or None; :func:`read`
also says why there is none. Proposals are not live until a curator accepts them; the
version of the patterns that made one is :data:`READER_VERSION`.

Two errors must not happen (spec ``ms-trials.md`` section 6.3): telling a patient "you may
qualify" when a line was not checked, and ruling out someone the protocol would take; the
second, a wrong exclusion, is the worst. Every choice below follows from that.

- **Judgement lines get nothing.** "Clinically significant", "severe", "uncontrolled",
  "in the investigator's opinion", "that may interfere", "significant", "adequate",
  "stable" and their kin (:func:`eligibility.reader.text.judgement`) leave the call to a
  clinician: no proposal, and no rule that can only be unknown stands in for them.
  "Adequate contraception" and "adequately treated basal cell carcinoma" name the
  contraception and the cancer exceptions the facts ask about, and are read as such.
- **A broader fact never decides a line.** A rule may rule a patient out only where the line
  does. So ``heart_disease`` never reads "myocardial infarction", ``can_have_mri`` never
  reads "gadolinium allergy" alone, ``years_since_cancer`` never reads "solid tumour",
  ``pregnancy_or_breastfeeding`` never reads "pregnancy" alone, the ``other_conditions``
  codes ("now or in the past") never read a line about now unless the condition is
  lifelong, and ``days_since_new_mri_activity`` (new T2 *or* enhancing lesions) never
  reads a "Gd-enhancing lesion" alternative. A fact *narrower* than a class the line names
  is used: "immunosuppressants" is ``@immunosuppressant``, "history of seizures" is
  ``epilepsy``, "any active infection" is ``active_infection`` (serious, now): a rule on
  them rules out only people the line rules out, and the patient text names what it
  checks.
- **A line is read whole or not at all.** Every named item must be read: "total lymphoid
  irradiation, monoclonal antibody, T-cell vaccination, cladribine" has two items no code
  says, so nothing is proposed, for an exclusion as for an inclusion. For an inclusion
  "A and B", requiring A only would be broader (it never rules out someone the line takes,
  but it says "checked" of a line only half checked, the first error); for "A or B",
  requiring A alone is narrower, a wrong exclusion. Neither is proposed. A line
  introducing alternatives ("at least 1 of the following:") becomes an ``any`` of every
  item, or nothing. The exception is a partial rule (docs/reader.md, "Lines read in
  part"): the parts read rule out only people the line rules out, and where they do not
  the line stays ``not_checked``, never met.
- **"Other" names something the line may not say.** "Any other disease-modifying therapy"
  with nothing named before it is the class apart from the study drug or a treatment the
  trial allows: read whole it would rule out the patients the trial is for, so only its
  examples are read, as a partial rule, or nothing.
- **Ambiguous words are read on the side that rules out fewer.** "Between 18 and 55" and
  EDSS "0 to 5.5" include their ends in an inclusion; an exclusion range without
  "inclusive" is open. Ages are whole years, so "greater than 18" is 18 and over. A month
  is 28 days where the rule rules out what falls inside the window ("no steroids within 3
  months": a dose within 84 days) and 31 days where it rules out what falls outside ("a
  relapse within 18 months": none within 558 days); years are 365 or 366 days
  (:mod:`eligibility.reader.windows`). "Within N years" of cancer is fewer than N years.
  "X or 5 half-lives, whichever is longer" uses X, the part every reading agrees on.
- **Windows are counted back from today.** Contract v2 defines "within N days" from the
  evaluation date (spec 6.1), not from the protocol's screening or randomisation day, which
  is still to come; the reason names the anchor the line gave.
- **Courses follow spec 6.4.** "Relapsing MS" includes CIS and active secondary progressive
  MS, so a relapsing-MS inclusion rules out primary progressive MS only; an explicit list
  ("relapsing MS: RRMS or SPMS") wins over the word. "Progressive relapsing MS" is read as
  primary progressive (its name since 2013), and an inclusion that lists it without PPMS is
  not read. The Poser criteria are stricter than the McDonald diagnosis and are not read.
- **Other arms never exclude an MS patient.** A line under a heading naming healthy
  controls, non-MS participants, a cohort, part or course, or mentioning such an arm, gets
  nothing; so does every line of a trial whose registered conditions name no MS.
- **Concomitant, concurrent and planned use is not current use.** It concerns the study
  period: a patient on a drug today may stop it, so "currently taking" would rule out
  people the line takes.
"""

from .reader import READER_VERSION, Proposal, Reading, propose, read

__all__ = ["READER_VERSION", "Proposal", "Reading", "propose", "read"]
