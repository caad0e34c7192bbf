"""Every claim of the clinic's article has a row in notebook 07 (issue 12).

``CLAIMS`` is the article's claims as short quotes, in the article's order. CI has the article at
``../shared/seed/clinic_article.txt``; where it exists, each quote must really be in it (whitespace
and case aside), so a mistyped quote cannot pass. Each quote must appear in a row of a markdown table
of ``solutions/07_journal_club.ipynb`` (a line starting with ``|``), so removing a row fails. The
clinic is never named in the notebooks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT.parent / "shared" / "seed" / "clinic_article.txt"
NOTEBOOKS = [ROOT / "solutions" / "07_journal_club.ipynb", ROOT / "notebooks" / "07_journal_club.ipynb"]

# (topic, short quote): every claim the article makes, from its first mechanism to its conclusion.
CLAIMS = [
    ("source of the cells", "one of the safest and most potent sources"),
    ("source of the cells", "youthful cell phenotype, high proliferation capacity, and low immunogenicity"),
    ("mechanism", "paracrine signaling rather than direct tissue replacement"),
    ("mechanism: anti-inflammatory", "inhibiting pro-inflammatory cytokines such as TNF-α, IL-1β, and IL-6"),
    ("mechanism: anti-fibrotic", "increases matrix metalloproteinase (MMP) activity to degrade existing scar tissue"),
    ("mechanism: growth factors", "hepatocyte growth factor (HGF) and vascular endothelial growth factor (VEGF)"),
    ("mechanism: differentiation", "differentiate into hepatocyte-like cells"),
    ("mechanism: antioxidant", "enhancing antioxidant defenses such as superoxide dismutase (SOD) and glutathione"),
    ("mechanism: immunomodulation", "reducing auto-immune attacks on liver cells"),
    ("mechanism: immunomodulation", "improving tolerance in post-transplant or autoimmune hepatitis cases"),
    ("evidence", "Numerous preclinical and clinical trials have demonstrated"),
    ("survival", "reversing liver damage and improving survival rates"),
    ("labs", "Increased serum albumin levels"),
    ("labs", "Decreased total bilirubin and ALT/AST"),
    ("labs", "Improved prothrombin time (PT) and MELD scores"),
    ("labs mean recovery", "genuine recovery of hepatic synthetic and detoxifying function"),
    ("histology", "reduction in fibrosis grade"),
    ("histology: markers", "regeneration markers such as Ki-67 and cytokeratin-19"),
    ("stiffness", "liver stiffness measured by FibroScan decreases gradually over 3–6 months"),
    ("symptoms", "better appetite, reduced ascites, less jaundice, and improved energy levels"),
    ("repeated infusions", "repeated MSC infusions"),
    ("safety", "excellent safety, with no tumor formation"),
    ("safety: immune and viral", "immune rejection, or viral reactivation"),
    ("safety: fever", "Mild, transient fever or fatigue may occur"),
    ("route: IV", "home to injured liver tissue via the portal circulation"),
    ("route: intrahepatic", "intrahepatic injections under ultrasound guidance"),
    ("co-interventions", "nutrition, detoxification, and antioxidant support"),
    ("monitoring", "MELD scoring to determine eligibility and track progress"),
    ("comparison: mechanism", "Symptom control (diuretics, antivirals, steroids)"),
    ("comparison: mechanism", "Cellular regeneration and immune modulation"),
    ("comparison: target", "Root cause – damaged hepatocytes and fibrosis"),
    ("comparison: duration", "Time-limited, regenerative intervention"),
    ("comparison: side effects", "Drug toxicity, immune suppression"),
    ("comparison: side effects", "Minimal, natural biologic mechanism"),
    ("comparison: accessibility", "Readily available, ethically sourced UC-MSC Stem Cells"),
    ("no immunosuppression", "does not require lifelong immunosuppression"),
    ("older patients", "suitable even for older or multi-morbid patients"),
    ("dose unknown", "Dosing frequency and total cell count"),
    ("timing", "earlier treatment yields better outcomes"),
    ("exosomes", "replicate the benefits of stem cells in a cell-free form"),
    ("transplant", "potentially delaying or even avoiding the need for transplantation"),
    ("regulation", "clinically certified UC-MSC Stem Cells under strict medical oversight"),
    ("regulation", "science-based cellular repair"),
]
CLINIC_NAME = "Vega"  # the article names its clinic; the course never does


def normalised(text: str) -> str:
    return " ".join(text.replace("*", "").replace("\u2019", "'").lower().split())


def table_rows(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    rows = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            rows += [normalised(line) for line in cell.source.splitlines() if line.lstrip().startswith("|")]
    return rows


def test_claim_list_is_complete_and_has_no_duplicates():
    quotes = [quote for _, quote in CLAIMS]
    assert len(quotes) == len(set(quotes))
    assert len(quotes) >= 40
    assert all(len(quote.split()) <= 14 for quote in quotes), "quote short claims only"


@pytest.mark.skipif(not ARTICLE.exists(), reason=f"{ARTICLE} not found: the quotes are checked on CI")
@pytest.mark.parametrize("topic, quote", CLAIMS, ids=[q[:40] for _, q in CLAIMS])
def test_quote_is_in_the_article(topic, quote):
    assert normalised(quote) in normalised(ARTICLE.read_text(encoding="utf-8")), (topic, quote)


@pytest.mark.skipif(not ARTICLE.exists(), reason=f"{ARTICLE} not found: the quotes are checked on CI")
def test_article_claims_in_order():
    article = normalised(ARTICLE.read_text(encoding="utf-8"))
    positions = [article.find(normalised(quote)) for _, quote in CLAIMS]
    assert positions == sorted(positions), "keep CLAIMS in the article's order, so a new claim is easy to place"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_every_claim_has_a_row_in_notebook_07(path):
    rows = table_rows(path)
    missing = [quote for _, quote in CLAIMS if not any(normalised(quote) in row for row in rows)]
    assert not missing, f"{path.name}: no table row quotes {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_every_claim_row_has_evidence_and_a_verdict(path):
    for row in table_rows(path):
        quoted = [quote for _, quote in CLAIMS if normalised(quote) in row]
        if quoted and not row.startswith("| the article says"):
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            assert len(cells) >= 3 and all(cells), f"{path.name}: a claim row needs evidence and a verdict: {row[:80]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_the_clinic_is_not_named(path):
    text = path.read_text(encoding="utf-8")
    assert CLINIC_NAME.lower() not in text.lower()
    assert re.search(r"a commercial clinic's web article", text, re.I)
