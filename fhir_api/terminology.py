"""What the codes in an inbound patient Bundle mean to us: the tables of record.

Each table maps codes of a code system (SNOMED CT, ICD-10 and its US and German
modifications, RxNorm, ATC, LOINC) to a fact of the public contract
(``shared/clinical/ms-trials.md``), with plain words as the last resort when a resource
carries no code we know. docs/api.md repeats the tables for partners; this module is
the source.

A code missing here is not read: the fact it would have told stays unknown, which never
rules a patient in or out. So only codes whose meaning is certain are listed, and SNOMED
CT descendants are listed one by one (there is no terminology server here to walk the
hierarchy); the words of a concept's text and displays catch the others, unless they
say it is a family history, a screen or a suspicion (:func:`affirms`). The FHIR value
sets the validation checks against (``Bundle.type``, ``Patient.gender``, statuses) are
at the end.

Plain data and pure functions: nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_GM = (
    "http://fhir.de/CodeSystem/bfarm/icd-10-gm",
    "http://fhir.de/CodeSystem/dimdi/icd-10-gm",
)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
LOINC = "http://loinc.org"

#: Other spellings of the same systems (HL7 v3 OIDs, as CDA-derived exports write them).
SYSTEM_ALIASES = {
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,
    "urn:oid:2.16.840.1.113883.6.3": ICD10,
    "urn:oid:2.16.840.1.113883.6.90": ICD10_CM,
    "urn:oid:2.16.840.1.113883.6.88": RXNORM,
    "urn:oid:2.16.840.1.113883.6.73": ATC,
    "urn:oid:2.16.840.1.113883.6.1": LOINC,
    "http://www.nlm.nih.gov/research/umls/rxnorm/": RXNORM,
    "http://snomed.info/sct/": SNOMED,
}
ICD10_SYSTEMS = (ICD10, ICD10_CM, *ICD10_GM)


@dataclass(frozen=True)
class Coding:
    """One coding of a CodeableConcept, its system normalised (``None`` parts are "")."""

    system: str
    code: str
    display: str


def codings(concept: Any) -> list[Coding]:
    """The codings of a CodeableConcept dict, systems normalised; junk entries skipped."""
    if not isinstance(concept, Mapping):
        return []
    found = []
    for coding in concept.get("coding") or []:
        if not isinstance(coding, Mapping):
            continue
        system = coding.get("system") if isinstance(coding.get("system"), str) else ""
        code = coding.get("code") if isinstance(coding.get("code"), str) else ""
        display = coding.get("display") if isinstance(coding.get("display"), str) else ""
        found.append(Coding(SYSTEM_ALIASES.get(system, system), code.strip(), display))
    return found


def concept_texts(concept: Any) -> list[str]:
    """The words of a CodeableConcept: its ``text`` and every coding's ``display``."""
    if not isinstance(concept, Mapping):
        return []
    texts = [concept.get("text")] + [coding.display for coding in codings(concept)]
    return [text for text in texts if isinstance(text, str) and text.strip()]


def words(text: str) -> str:
    """``text`` lower-cased as space-separated words, padded: `` heart failure ``."""
    return " " + " ".join(re.sub(r"[^\w]+", " ", text.lower().replace("-", " ")).split()) + " "


def says(text: str, phrases: Iterable[str]) -> bool:
    """Whether ``text`` contains one of ``phrases`` as whole words."""
    padded = words(text)
    return any(f" {phrase} " in padded for phrase in phrases)


#: Words that make a condition's text not a statement that the patient has it.
NOT_AFFIRMATIVE = (
    "family history",
    "fh of",
    "suspected",
    "possible",
    "probable",
    "screening",
    "screen for",
    "risk of",
    "at risk",
    "fear of",
    "ruled out",
    "rule out",
    "no evidence",
    "exposure to",
    "contact with",
    "vaccination",
    "immunization",
)


def affirms(text: str) -> bool:
    """Whether a condition's text states the condition (not a family history, a screen,
    a suspicion)."""
    return not says(text, NOT_AFFIRMATIVE)


def icd10_key(code: str) -> str:
    """An ICD-10 code as compared here: upper case, without the dot (``G35.A`` -> ``G35A``)."""
    return code.upper().replace(".", "").strip()


# --- multiple sclerosis ----------------------------------------------------------------------

#: A Condition's meaning for MS: ``True`` is multiple sclerosis without a course, a string
#: the ``ms_course`` it names (``clinically_isolated_syndrome`` is not yet MS).
MsMeaning = str | bool

#: SNOMED CT: 24700007 and the descendants we can name. Progressive relapsing MS is
#: primary progressive MS with activity since the 2013 (Lublin) descriptors.
MS_SNOMED: Mapping[str, MsMeaning] = {
    "24700007": True,  # Multiple sclerosis (disorder)
    "426373005": "relapsing_remitting",  # Relapsing remitting multiple sclerosis
    "425500002": "secondary_progressive",  # Secondary progressive multiple sclerosis
    "428700003": "primary_progressive",  # Primary progressive multiple sclerosis
    "230374002": "primary_progressive",  # Progressive relapsing multiple sclerosis
    "230373008": True,  # Chronic progressive multiple sclerosis (primary or secondary)
    "438511000": True,  # Benign multiple sclerosis
    "439567002": True,  # Malignant multiple sclerosis
    "766246000": True,  # Marburg acute multiple sclerosis
    "445967004": "clinically_isolated_syndrome",  # Clinically isolated syndrome
}

#: ICD-10 (WHO) and ICD-10-CM, dots removed. G35 is multiple sclerosis; since October 2025
#: (FY2026) ICD-10-CM splits it: G35.A relapsing-remitting, G35.B0-B2 primary
#: progressive, G35.C0-C2 secondary progressive, G35.D unspecified. Any other G35
#: subcode (a national modification) is multiple sclerosis without a course.
MS_ICD10: Mapping[str, MsMeaning] = {
    "G35": True,
    "G35A": "relapsing_remitting",
    **dict.fromkeys(("G35B", "G35B0", "G35B1", "G35B2"), "primary_progressive"),
    **dict.fromkeys(("G35C", "G35C0", "G35C1", "G35C2"), "secondary_progressive"),
    "G35D": True,
}
#: ICD-10-GM (Germany): G35.0 first manifestation, G35.1- relapsing-remitting, G35.2-
#: primary progressive, G35.3- secondary progressive, G35.9 unspecified.
MS_ICD10_GM_PREFIXES: tuple[tuple[str, MsMeaning], ...] = (
    ("G351", "relapsing_remitting"),
    ("G352", "primary_progressive"),
    ("G353", "secondary_progressive"),
)

#: Words in a Condition's text when it has no code we know (longest first).
MS_TEXTS: tuple[tuple[str, MsMeaning], ...] = (
    ("relapsing remitting", "relapsing_remitting"),
    ("secondary progressive", "secondary_progressive"),
    ("primary progressive", "primary_progressive"),
    ("progressive relapsing", "primary_progressive"),
    ("clinically isolated syndrome", "clinically_isolated_syndrome"),
    ("multiple sclerosis", True),
)


def ms_meaning(concept: Any) -> MsMeaning | None:
    """What a Condition's code says about MS, or ``None`` when it is not about MS."""
    for coding in codings(concept):
        if coding.system == SNOMED and coding.code in MS_SNOMED:
            return MS_SNOMED[coding.code]
        if coding.system in ICD10_SYSTEMS and icd10_key(coding.code).startswith("G35"):
            key = icd10_key(coding.code)
            if coding.system in ICD10_GM:
                for prefix, meaning in MS_ICD10_GM_PREFIXES:
                    if key.startswith(prefix):
                        return meaning
                return True
            return MS_ICD10.get(key, True)
    for text in concept_texts(concept):
        if not affirms(text):
            continue
        for phrase, meaning in MS_TEXTS:
            if says(text, [phrase]):
                return meaning
    return None


# --- other diagnoses (``other_conditions``) and cancer --------------------------------------


@dataclass(frozen=True)
class ConditionCodes:
    """How one ``other_conditions`` code is recognised, and when it counts.

    ``icd10`` are prefixes (dots removed), ``snomed`` exact codes, ``texts`` whole-word
    phrases (``unless`` phrases veto them). ``when`` says how recent the condition must
    be: ``ever``, ``now`` (its clinical status active) or ``past_year`` (active, or onset
    or abatement within 365 days).
    """

    code: str
    icd10: tuple[str, ...]
    snomed: tuple[str, ...]
    texts: tuple[str, ...]
    unless: tuple[str, ...] = ()
    when: str = "ever"


#: ``active_infection`` (a serious infection now) and ``heart_disease`` beyond the codes
#: listed need a clinician's judgement; they are not read.
OTHER_CONDITIONS: tuple[ConditionCodes, ...] = (
    ConditionCodes(
        "nmosd",
        ("G360", "G3781"),  # NMO (Devic); MOG antibody disease (ICD-10-CM FY2024)
        ("25044007", "1237194006"),  # Neuromyelitis optica; MOG antibody disease
        (
            "neuromyelitis optica",
            "nmosd",
            "devic",
            "mogad",
            "mog antibody",
            "myelin oligodendrocyte glycoprotein",
        ),
    ),
    ConditionCodes(
        "epilepsy",
        ("G40", "G41"),
        ("84757009",),  # Epilepsy
        ("epilepsy", "epileptic", "seizure disorder", "status epilepticus"),
    ),
    ConditionCodes(
        "stroke",
        ("I60", "I61", "I63", "I64", "I690", "I691", "I693", "I694"),
        ("230690007", "432504007", "422504002"),  # CVA; cerebral infarction; ischaemic stroke
        ("stroke", "cerebrovascular accident", "cerebral infarction", "brain infarction"),
        unless=("heat stroke", "sun stroke", "heatstroke"),
    ),
    ConditionCodes(
        "heart_disease",
        ("I21", "I22", "I252", "I50", "I110", "I472", "I490", "I442"),
        ("22298006", "84114007", "399211009"),  # MI; heart failure; history of MI
        (
            "myocardial infarction",
            "heart attack",
            "heart failure",
            "cardiac failure",
            "ventricular tachycardia",
            "ventricular fibrillation",
        ),
    ),
    ConditionCodes(
        "hiv",
        ("B20", "B21", "B22", "B23", "B24", "Z21"),
        ("86406008", "91947003", "91948008"),  # HIV infection; asymptomatic HIV
        ("hiv", "human immunodeficiency virus"),
        unless=("hiv negative", "hiv test"),
    ),
    ConditionCodes(
        "hepatitis_b",
        ("B16", "B180", "B181", "B191"),
        ("66071002", "61977001"),  # Viral hepatitis B; chronic viral hepatitis B
        ("hepatitis b", "hbv infection"),
    ),
    ConditionCodes(
        "hepatitis_c",
        ("B171", "B182", "B192"),
        ("50711007",),  # Viral hepatitis C
        ("hepatitis c", "hcv infection"),
    ),
    ConditionCodes(
        "tuberculosis",
        ("A15", "A16", "A17", "A18", "A19", "Z227"),  # Z22.7: latent TB (ICD-10-CM)
        ("56717001",),  # Tuberculosis
        ("tuberculosis",),
    ),
    ConditionCodes(
        "pml",
        ("A812",),
        ("22255007",),  # Progressive multifocal leukoencephalopathy
        ("progressive multifocal leukoencephalopathy",),
    ),
    ConditionCodes(
        "immunodeficiency",
        ("D80", "D81", "D82", "D83", "D84"),
        ("234532001",),  # Immunodeficiency disorder
        (
            "primary immunodeficiency",
            "immunodeficiency disorder",
            "common variable immunodeficiency",
            "severe combined immunodeficiency",
        ),
    ),
    ConditionCodes(
        "diabetes",
        ("E10", "E11", "E12", "E13", "E14"),
        ("73211009", "44054006", "46635009"),  # Diabetes mellitus; type 2; type 1
        ("diabetes mellitus", "type 1 diabetes", "type 2 diabetes", "diabetes"),
        unless=("insipidus", "gestational", "prediabetes", "pre diabetes"),
    ),
    ConditionCodes(
        "liver_disease",
        ("K70", "K71", "K72", "K73", "K74", "K75", "K76", "K77"),
        ("235856003", "19943007"),  # Disorder of liver; cirrhosis of liver
        ("liver disease", "cirrhosis", "liver failure", "hepatic failure", "fatty liver"),
    ),
    ConditionCodes(
        "kidney_disease",
        ("N17", "N18", "N19"),
        # Chronic kidney disease, its stages 1 to 4, end-stage renal disease,
        # chronic renal failure syndrome.
        ("709044004", "431855005", "431856006", "433144002", "431857002", "46177005", "90688005"),
        ("kidney disease", "renal disease", "kidney failure", "renal failure"),
    ),
    ConditionCodes(
        "other_autoimmune",
        ("M05", "M06", "M32", "M33", "M34", "M350", "K50", "K51", "G700", "K900"),
        # Rheumatoid arthritis, lupus, Crohn's disease, ulcerative colitis, myasthenia gravis.
        ("69896004", "55464009", "34000006", "64766004", "91637004"),
        (
            "rheumatoid arthritis",
            "lupus",
            "crohn",
            "crohns",
            "ulcerative colitis",
            "myasthenia gravis",
            "coeliac disease",
            "celiac disease",
            "sjogren",
            "sjögren",
            "systemic sclerosis",
            "scleroderma",
        ),
    ),
    ConditionCodes(
        "depression",
        ("F32", "F33"),
        ("35489007", "370143000", "36923009"),  # Depressive disorder; major depression
        ("depression", "depressive disorder"),
        when="now",
    ),
    ConditionCodes(
        "suicidal_thoughts",
        ("R45851",),  # Suicidal ideations (ICD-10-CM)
        ("6471006",),  # Suicidal thoughts
        ("suicidal ideation", "suicidal thoughts"),
        when="past_year",
    ),
    ConditionCodes(
        "psychiatric_illness",
        ("F20", "F25", "F31"),
        ("58214004", "13746004"),  # Schizophrenia; bipolar disorder
        ("schizophrenia", "schizoaffective", "bipolar"),
    ),
    ConditionCodes(
        "substance_use",
        ("F10", "F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19"),  # not F17 (tobacco)
        ("7200002",),  # Alcoholism
        (
            "alcoholism",
            "alcohol use disorder",
            "alcohol abuse",
            "alcohol dependence",
            "drug abuse",
            "drug dependence",
            "substance abuse",
            "substance use disorder",
            "opioid use disorder",
        ),
        when="past_year",
    ),
)


def other_conditions_of(concept: Any) -> list[ConditionCodes]:
    """The ``other_conditions`` a Condition's code names (codes first, then its words)."""
    coded = codings(concept)
    found = []
    for entry in OTHER_CONDITIONS:
        for coding in coded:
            if coding.system == SNOMED and coding.code in entry.snomed:
                found.append(entry)
                break
            if coding.system in ICD10_SYSTEMS and icd10_key(coding.code).startswith(entry.icd10):
                found.append(entry)
                break
    if found:
        return found
    for text in concept_texts(concept):
        if not affirms(text):
            continue
        for entry in OTHER_CONDITIONS:
            if says(text, entry.texts) and not says(text, entry.unless) and entry not in found:
                found.append(entry)
    return found


#: ICD-10 malignant neoplasms, C00-C96, except C44 (basal and squamous cell skin cancers,
#: which ``years_since_cancer`` does not count); C4A is Merkel cell carcinoma
#: (ICD-10-CM). Carcinomas in situ (D00-D09) are not read.
CANCER_ICD10_EXCLUDED = ("C44",)
#: SNOMED CT codes for a cancer; descendants of 363346000 not listed fall back to words.
CANCER_SNOMED = (
    "363346000",  # Malignant neoplastic disease
    "128462008",  # Secondary malignant neoplastic disease
    "254837009",  # Malignant neoplasm of breast
    "363406005",  # Malignant neoplasm of colon
    "254637007",  # Non-small cell lung cancer
    "254632001",  # Small cell carcinoma of lung
)
CANCER_TEXTS = (
    "cancer",
    "carcinoma",
    "malignant neoplasm",
    "malignant neoplastic",
    "malignant tumor",
    "malignant tumour",
    "lymphoma",
    "leukemia",
    "leukaemia",
    "melanoma",
    "sarcoma",
    "myeloma",
    "glioma",
    "glioblastoma",
    "mesothelioma",
)
#: Words that keep a cancer out of ``years_since_cancer`` (spec section 6.3).
CANCER_NOT_COUNTED = ("basal cell", "in situ", "non melanoma", "nonmelanoma", "benign")


def is_cancer(concept: Any) -> bool:
    """Whether a Condition's code is a cancer that ``years_since_cancer`` counts."""
    for coding in codings(concept):
        if coding.system == SNOMED and coding.code in CANCER_SNOMED:
            return True
        if coding.system in ICD10_SYSTEMS:
            key = icd10_key(coding.code)
            if key.startswith(CANCER_ICD10_EXCLUDED):
                return False
            if re.fullmatch(r"C(\d\d|4A).*", key) and (key[1:3] <= "96" or key[1:3] == "4A"):
                return True
    for text in concept_texts(concept):
        skin = says(text, ["squamous cell"]) and says(text, ["skin", "cutaneous"])
        if (
            affirms(text)
            and says(text, CANCER_TEXTS)
            and not skin
            and not says(text, CANCER_NOT_COUNTED)
        ):
            return True
    return False


# --- medications -----------------------------------------------------------------------------

#: Treatment code -> RxNorm ingredient codes, ATC codes (old and 2024 ones; a five-character
#: code is a group, matched as a prefix), and names (generic and brand) matched as whole
#: words in a medication's text or display. Only RxNorm ingredient codes we are sure of are
#: listed; a clinical-drug code falls back to its display ("ofatumumab 20 MG/0.4ML ...").
TREATMENT_MAP: dict[str, dict[str, tuple[str, ...]]] = {
    "interferon_beta": {
        "rxnorm": ("75917", "72257", "1546168"),  # beta-1a, beta-1b, peginterferon
        "atc": ("L03AB07", "L03AB08", "L03AB13"),
        "names": (
            "interferon beta",
            "interferon beta 1a",
            "interferon beta 1b",
            "peginterferon beta 1a",
            "avonex",
            "rebif",
            "plegridy",
            "betaseron",
            "betaferon",
            "extavia",
        ),
    },
    "glatiramer_acetate": {
        "rxnorm": ("214582",),
        "atc": ("L03AX13",),
        "names": ("glatiramer", "glatiramer acetate", "copaxone", "glatopa"),
    },
    "natalizumab": {
        "rxnorm": ("354770",),
        "atc": ("L04AA23", "L04AG03"),
        "names": ("natalizumab", "tysabri", "tyruko"),
    },
    "fingolimod": {
        "rxnorm": ("1012892",),
        "atc": ("L04AA27", "L04AE01"),
        "names": ("fingolimod", "gilenya", "tascenso"),
    },
    "dimethyl_fumarate": {
        "rxnorm": ("1373478",),
        "atc": ("L04AX07",),
        "names": ("dimethyl fumarate", "tecfidera"),
    },
    "teriflunomide": {
        "rxnorm": ("1310520",),
        "atc": ("L04AA31", "L04AK02"),
        "names": ("teriflunomide", "aubagio"),
    },
    "alemtuzumab": {
        "rxnorm": ("117055",),
        "atc": ("L04AA34", "L01XC04", "L04AG06", "L01FX02"),
        "names": ("alemtuzumab", "lemtrada", "campath", "mabcampath"),
    },
    "ocrelizumab": {
        "rxnorm": ("1876366",),
        "atc": ("L04AA36", "L04AG08"),
        "names": ("ocrelizumab", "ocrevus"),
    },
    "rituximab": {
        "rxnorm": ("121191",),
        "atc": ("L01XC02", "L01FA01"),
        "names": ("rituximab", "rituxan", "mabthera", "truxima", "ruxience", "riabni"),
    },
    "mitoxantrone": {
        "rxnorm": ("7005",),
        "atc": ("L01DB07",),
        "names": ("mitoxantrone", "novantrone"),
    },
    "cyclophosphamide": {
        "rxnorm": ("3002",),
        "atc": ("L01AA01",),
        "names": ("cyclophosphamide", "cytoxan", "endoxan"),
    },
    "cladribine": {
        "rxnorm": ("44157",),
        "atc": ("L01BB04", "L04AA40"),
        "names": ("cladribine", "mavenclad", "leustatin"),
    },
    "methotrexate": {
        "rxnorm": ("6851",),
        "atc": ("L01BA01", "L04AX03"),
        "names": ("methotrexate", "trexall", "otrexup", "rasuvo"),
    },
    "azathioprine": {
        "rxnorm": ("1256",),
        "atc": ("L04AX01",),
        "names": ("azathioprine", "imuran", "azasan"),
    },
    "cyclosporine": {
        "rxnorm": ("3008",),
        "atc": ("L04AD01",),
        "names": ("cyclosporine", "ciclosporin", "sandimmune", "neoral", "gengraf"),
    },
    "ivig": {
        "rxnorm": (),
        "atc": ("J06BA02",),
        "names": (
            "ivig",
            "intravenous immunoglobulin",
            "immune globulin",
            "immunoglobulin g",
            "gamunex",
            "privigen",
            "octagam",
        ),
    },
    "corticosteroids": {
        "rxnorm": ("8640", "6902", "3264", "8638", "5492"),
        "atc": ("H02AB",),  # every systemic glucocorticoid (a prefix)
        "names": (
            "corticosteroid",
            "corticosteroids",
            "steroids",
            "prednisone",
            "prednisolone",
            "methylprednisolone",
            "solu medrol",
            "medrol",
            "dexamethasone",
            "hydrocortisone",
        ),
    },
    # Contract v2 (spec section 6.2).
    "ofatumumab": {
        "rxnorm": (),
        "atc": ("L04AG12", "L01FA02"),
        "names": ("ofatumumab", "kesimpta", "arzerra"),
    },
    "ublituximab": {"rxnorm": (), "atc": (), "names": ("ublituximab", "briumvi")},
    "ozanimod": {"rxnorm": (), "atc": (), "names": ("ozanimod", "zeposia")},
    "ponesimod": {"rxnorm": (), "atc": (), "names": ("ponesimod", "ponvory")},
    "siponimod": {"rxnorm": (), "atc": (), "names": ("siponimod", "mayzent")},
    "diroximel_fumarate": {"rxnorm": (), "atc": (), "names": ("diroximel fumarate", "vumerity")},
    "monomethyl_fumarate": {
        "rxnorm": (),
        "atc": (),
        "names": ("monomethyl fumarate", "bafiertam"),
    },
    "daclizumab": {
        "rxnorm": (),
        "atc": ("L04AC01",),
        "names": ("daclizumab", "zinbryta", "zenapax"),
    },
    "laquinimod": {"rxnorm": (), "atc": (), "names": ("laquinimod", "nerventra")},
    "mycophenolate": {
        "rxnorm": ("68149", "72236"),  # mycophenolate mofetil, mycophenolic acid
        "atc": ("L04AA06",),
        "names": (
            "mycophenolate",
            "mycophenolate mofetil",
            "mycophenolic acid",
            "cellcept",
            "myfortic",
        ),
    },
    "btk_inhibitor": {
        "rxnorm": (),
        "atc": ("L01EL",),  # every BTK inhibitor (a prefix)
        "names": (
            "tolebrutinib",
            "evobrutinib",
            "fenebrutinib",
            "remibrutinib",
            "ibrutinib",
            "acalabrutinib",
            "zanubrutinib",
            "pirtobrutinib",
            "orelabrutinib",
            "btk inhibitor",
        ),
    },
    "dalfampridine": {
        "rxnorm": (),
        "atc": ("N07XX07",),
        "names": ("dalfampridine", "fampridine", "4 aminopyridine", "ampyra", "fampyra"),
    },
}
# hsct and plasma_exchange are procedures, not medications: a MedicationStatement never
# names them (Procedure resources are not read).

#: ACTH counts toward ``last_systemic_steroids`` (spec 6.1) but is no treatment code.
ACTH = {
    "rxnorm": (),
    "atc": ("H01AA01", "H01AA02"),
    "names": ("corticotropin", "acth", "acthar", "tetracosactide", "synacthen"),
}

_RXNORM_INDEX = {code: t for t, m in TREATMENT_MAP.items() for code in m["rxnorm"]}
_ATC_INDEX = {code: t for t, m in TREATMENT_MAP.items() for code in m["atc"]}
_NAME_INDEX = sorted(
    ((name, t) for t, m in TREATMENT_MAP.items() for name in m["names"]),
    key=lambda item: -len(item[0]),
)


def _atc_matches(code: str, atc: str) -> bool:
    return code == atc or (len(atc) == 5 and code.startswith(atc))


def treatment_for_concept(concept: Any) -> str | None:
    """Our treatment code for a medication CodeableConcept: RxNorm, then ATC, then names."""
    coded = codings(concept)
    for coding in coded:
        if coding.system == RXNORM and coding.code in _RXNORM_INDEX:
            return _RXNORM_INDEX[coding.code]
    for coding in coded:
        code = coding.code.upper()
        if coding.system == ATC and code:
            for atc, treatment in _ATC_INDEX.items():
                if _atc_matches(code, atc):
                    return treatment
    for text in concept_texts(concept):
        padded = words(text)
        for name, treatment in _NAME_INDEX:
            if f" {name} " in padded:
                return treatment
    return None


def is_acth(concept: Any) -> bool:
    """Whether a medication is ACTH (corticotropin), which counts as systemic steroids."""
    for coding in codings(concept):
        if coding.system == ATC and coding.code.upper() in ACTH["atc"]:
            return True
    return any(says(text, ACTH["names"]) for text in concept_texts(concept))


#: Routes of administration (SNOMED CT) that are not systemic: skin, nose, eye, ear,
#: airways, rectum, through the skin.
LOCAL_ROUTES = ("6064005", "46713006", "54485002", "10547007", "447694001", "45890007", "37161004")
#: Systemic routes: by mouth, into a vein, a muscle, under the skin.
SYSTEMIC_ROUTES = ("26643006", "47625008", "78421000", "34206005")
#: Words of a medication's text that make a corticosteroid local, not systemic ("gel" is
#: not one: Acthar Gel is injected; a skin gel says "topical").
LOCAL_WORDS = (
    "cream",
    "ointment",
    "lotion",
    "topical",
    "cutaneous",
    "dermal",
    "inhaler",
    "inhalation",
    "inhaled",
    "nasal",
    "ophthalmic",
    "eye",
    "ear",
    "otic",
    "enema",
    "suppository",
)


def is_local(concept: Any, routes: Iterable[Any] = ()) -> bool:
    """Whether a medication is used on the skin, eye, ear, nose or airways (a steroid
    cream is not a systemic steroid, nor the ``corticosteroids`` treatment)."""
    route_codes = {coding.code for route in routes for coding in codings(route)}
    if route_codes & set(SYSTEMIC_ROUTES):
        return False
    if route_codes & set(LOCAL_ROUTES):
        return True
    return any(says(text, LOCAL_WORDS) for text in concept_texts(concept))


# --- observations ----------------------------------------------------------------------------

#: The EDSS total score. There is no single LOINC code for it; SNOMED CT 273554001
#: (Kurtzke Expanded Disability Status Scale) is what EHRs send, and a site may add its
#: own codes with the ``FHIR_EDSS_CODES`` setting ("system|code" strings).
EDSS_CODES = ((SNOMED, "273554001"),)
EDSS_TEXTS = ("edss", "expanded disability status scale", "expanded disability status score")

#: Pregnancy status (LOINC 82810-3) and its answers (LOINC answer list, SNOMED CT).
PREGNANCY_STATUS = (LOINC, "82810-3")
PREGNANT = {(LOINC, "LA15173-0"), (SNOMED, "77386006")}
NOT_PREGNANT = {(LOINC, "LA26683-5"), (SNOMED, "60001007")}


def has_code(concept: Any, wanted: Iterable[tuple[str, str]]) -> bool:
    """Whether a CodeableConcept carries one of ``(system, code)`` pairs."""
    pairs = set(wanted)
    return any((coding.system, coding.code) in pairs for coding in codings(concept))


def is_edss(concept: Any, local_codes: Iterable[str] = ()) -> bool:
    """Whether an Observation's code is the EDSS (or a site's own code for it)."""
    extra = [tuple(code.split("|", 1)) for code in local_codes if "|" in code]
    if has_code(concept, [*EDSS_CODES, *extra]):  # type: ignore[list-item]
        return True
    return any(says(text, EDSS_TEXTS) for text in concept_texts(concept))


# --- FHIR R4 value sets the validation checks ------------------------------------------------

BUNDLE_TYPES = (
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
    "subscription-notification",  # R4B
)
GENDERS = ("male", "female", "other", "unknown")
MEDICATION_STATEMENT_STATUSES = (
    "active",
    "completed",
    "entered-in-error",
    "intended",
    "stopped",
    "on-hold",
    "unknown",
    "not-taken",
)
#: Statuses that do not mean the patient took the medication.
NOT_TAKEN_STATUSES = ("not-taken", "entered-in-error", "intended")
OBSERVATION_STATUSES = (
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
)
#: Observation statuses whose value is a result we read.
RESULT_STATUSES = ("final", "amended", "corrected")
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL_STATUSES = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
ACTIVE_CLINICAL_STATUSES = ("active", "recurrence", "relapse")
VERIFICATION_STATUSES = (
    "unconfirmed",
    "provisional",
    "differential",
    "confirmed",
    "refuted",
    "entered-in-error",
)
