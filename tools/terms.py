"""Term lint (issue 20): every technical term in a core path is defined at first use or in the glossary,
and no core text points to files a student does not have.

The terms are listed in ``tools/terms.txt`` (one per line, spellings separated by " | "). A notebook's
*core text* is its markdown outside the *Going deeper (optional)* sections, the *References* section and
instructor notes (``tools.pacing`` draws the same line). A term used there passes when

- a GLOSSARY.md entry's title (``**Term (other name).**``) contains one of its spellings; or
- where the core text first uses it, it is defined: written in bold or italics (the course's way to
  introduce a term: ``**regression to the mean**``), followed by a bracket, colon or dash that explains it
  (``ISI (the international sensitivity index)``, ``log-normal: ...``), or itself the short form in
  brackets after its long form (``continuous veno-venous haemodialysis (CVVHD)``).

The check is a heuristic: it can be satisfied by formatting alone. It catches the common failure (a term
used as if known) and leaves the judgement of a definition's quality to review.

Core text must not point to ``tests/``, ``solutions/`` or ``tools/``: a student's release has none of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tools import pacing

ROOT = Path(__file__).resolve().parent.parent
TERMS_FILE = Path(__file__).with_name("terms.txt")
GLOSSARY = ROOT / "GLOSSARY.md"
STUDENT_MISSING = re.compile(r"(?<![\w./-])(?:\.\./)?((?:tests|solutions|tools)/(?:[\w./-]*[\w/])?)")
GLOSSARY_TITLE = re.compile(r"^\*\*(.+?)\*\*", re.M)


@dataclass(frozen=True)
class Term:
    name: str
    pattern: re.Pattern


def load_terms(path: Path = TERMS_FILE) -> list[Term]:
    """The maintained term list: each line 'name | spelling | ...'; '#' starts a comment."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        spellings = [s.strip() for s in line.split("|") if s.strip()]
        terms.append(Term(spellings[0], _pattern(spellings)))
    return terms


def _pattern(spellings: list[str]) -> re.Pattern:
    parts = []
    for spelling in sorted(spellings, key=len, reverse=True):
        # a hyphen, dash or space matches any of them: "immortal time" is also "immortal-time"
        body = "".join(r"[\s\-–]+" if ch in " -–" else re.escape(ch) for ch in spelling)
        parts.append(body if spelling.isupper() else f"(?i:{body})")
    return re.compile(rf"(?<![\w-])(?:{'|'.join(parts)})(?![\w-])")


def glossary_titles(path: Path = GLOSSARY) -> str:
    return "\n".join(GLOSSARY_TITLE.findall(path.read_text(encoding="utf-8"))) if path.exists() else ""


def core_text(nb) -> list[tuple[int, str]]:
    """(cell index, markdown source) of the core path: not optional, not references, not for instructors."""
    cells, optional_level, in_references = [], None, False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        heading = pacing.HEADING.match(cell.source)
        if heading:
            level = len(heading.group(1))
            if optional_level is not None and level <= optional_level:
                optional_level = None
            deeper = pacing.GOING_DEEPER.match(cell.source)
            if deeper:
                optional_level = len(deeper.group(1))
            in_references = bool(re.match(r"^#{1,3}\s+References", cell.source))
        if optional_level is None and not in_references and "instructor" not in cell.get("metadata", {}).get(
                "tags", []):
            cells.append((index, cell.source))
    return cells


def _defined_at(text: str, match: re.Match) -> bool:
    """Is this use of a term its definition (bold or italic, explained right after, or an abbreviation)?"""
    before, after = text[:match.start()], text[match.end():]
    if re.search(r"(\*\*|\*|_)$", before) and re.match(r"[^\n]*?(\*\*|\*|_)", after):
        start = re.search(r"(\*\*|\*|_)$", before).group(1)
        if after.lstrip().startswith(start) or re.match(rf"[^*\n]{{0,60}}{re.escape(start)}", after):
            return True
    if re.match(r"\s*\((?![^)]*\b(1[89]|20)\d\d\b)", after):  # explained in brackets, not a citation
        return True
    if re.match(r"\s*(:|—|–\s|,\s*(i\.e\.|that is)\b)", after):
        return True
    return bool(re.search(r"\w[^()\n]{3,}\($", before) and after.startswith(")"))


def undefined_terms(nb, terms: list[Term], glossary: str) -> list[tuple[str, int]]:
    """(term, cell) for each listed term whose first use in the core text is not defined and not in the glossary."""
    found, text = [], core_text(nb)
    for term in terms:
        if term.pattern.search(glossary):
            continue
        first = next(((i, source, m) for i, source in text for m in [term.pattern.search(source)] if m), None)
        if first and not _defined_at(first[1], first[2]):
            found.append((term.name, first[0]))
    return found


def missing_files(nb) -> list[tuple[str, int]]:
    """(path, cell) for each path under tests/, solutions/ or tools/ that the core text points to."""
    return [(m.group(1), i) for i, source in core_text(nb) for m in STUDENT_MISSING.finditer(source)]


def problems(nb, terms: list[Term] | None = None, glossary: str | None = None) -> list[str]:
    """Lint messages for one solution notebook."""
    terms = load_terms() if terms is None else terms
    glossary = glossary_titles() if glossary is None else glossary
    found = [f"cell {cell}: the core path uses '{term}' without defining it: define it where it is first used "
             f"(in bold, or explained in brackets) or add it to GLOSSARY.md" for term, cell in
             undefined_terms(nb, terms, glossary)]
    found += [f"cell {cell}: the core path points to {path}, which students do not have: move it to an instructor "
              f"note or a Going-deeper section, or drop it" for path, cell in missing_files(nb)]
    return found


def main() -> int:
    from tools import authoring

    for path in authoring.solution_paths():
        for problem in problems(authoring.read(path)):
            print(f"{path.name}: {problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
