"""Marking written (✍️) answers: one page per question for the instructor, a CSV of marks, and the merge.

A written question is a markdown cell tagged ``solution`` in ``solutions/NN_*.ipynb`` (its text is the
model answer; the student notebook has an answer prompt with the same cell id). Its marks are the
cell's metadata ``"marks"`` (default 1).

``make grade`` writes into its output folder:

- ``written/<question>.html``: every student's answer beside the model answer, with a marking column
  (printable; the students' text is shown as plain text, never as HTML or Markdown);
- ``written_marks.csv``: one row per student and question (``question, student, file, out_of, mark,
  comment``) to fill in. Marks already in it (or in ``MARKS=``) are kept when grading is re-run.

``make grade ... MARKS=grading/written_marks.csv`` merges the marks into ``gradebook.csv`` (a column
per question; ``total`` and ``percent`` include them) and each student's feedback (mark and comment).
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

MARKS_CSV = "written_marks.csv"
FIELDS = ["question", "student", "file", "out_of", "mark", "comment"]
MAX_COMMENT = 2000


class MarksProblem(Exception):
    """A marks file that cannot be merged (the message lists every bad line)."""


@dataclass(frozen=True)
class Question:
    id: str            # the exercise's id ("2.7"), or "cell <id>" outside an exercise
    cell_id: str
    model: str         # the model answer (markdown text of the solution cell)
    marks: float


def questions(solution_path: Path) -> list[Question]:
    """The written questions of a solution notebook, in order."""
    import nbformat

    from tools.authoring import EXERCISE_HEADING, SOLUTION_TAG

    nb = nbformat.read(solution_path, as_version=4)
    found: list[Question] = []
    exercise = None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        heading = EXERCISE_HEADING.search(cell.source)
        if heading:
            exercise = heading.group(1)
        elif re.match(r"^#{1,4}\s", cell.source):
            exercise = None
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            marks = cell.metadata.get("marks", 1)
            if isinstance(marks, bool) or not isinstance(marks, (int, float)) or not 0 < marks <= 100 \
                    or not math.isfinite(marks):
                raise ValueError(f"{solution_path.name}: the written answer in cell {cell.get('id')} has marks "
                                 f"{marks!r}; use a number above 0 (metadata \"marks\": 2)")
            base = exercise or f"cell {cell.get('id')}"
            qid, k = base, 2
            while any(q.id == qid for q in found):
                qid, k = f"{base}.{k}", k + 1
            found.append(Question(qid, cell.get("id"), cell.source.strip(), marks))
    return found


def column(question: Question) -> str:
    return f"{question.id} written"


def number(x) -> str:
    """A mark as text: 2, 1.5.

    >>> number(2.0), number(1.5), number(3)
    ('2', '1.5', '3')
    """
    return f"{x:g}" if isinstance(x, float) else str(x)


def student_answer(nb, question: Question) -> str:
    """The student's text for a written question ("" when the prompt is untouched or the cell is gone)."""
    from tools.authoring import ANSWER_PROMPT

    for cell in getattr(nb, "cells", []):
        if cell.get("id") == question.cell_id and cell.get("cell_type") == "markdown":
            text = cell.get("source") if isinstance(cell.get("source"), str) else ""
            text = text.replace(ANSWER_PROMPT, "").strip()
            return text[:20_000]
    return ""


# ---- the marking pages and the CSV ------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.45; margin: 1.5rem; color: #111; }
.layout { display: grid; grid-template-columns: minmax(16rem, 1fr) 2fr; gap: 1.5rem; align-items: start; }
.model { position: sticky; top: 0; border: 2px solid #0072B2; padding: 0 1rem 1rem; background: #f4f9fc; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #555; padding: 0.4rem; vertical-align: top; text-align: left; }
thead th { background: #eee; }
td.mark { width: 6rem; } td.comment { width: 14rem; }
.blank { color: #555; font-style: italic; }
@media print {
  .layout { display: block; } .model { position: static; margin-bottom: 1rem; }
  tr { page-break-inside: avoid; } thead { display: table-header-group; }
}
"""


def page(question: Question, rows: list[tuple[str, str, str, tuple | None]], title: str) -> str:
    """One printable page: the model answer beside a table of (student, file, answer, (mark, comment))."""
    esc = html.escape
    body = []
    for student, file, answer, given in rows:
        text = f'<div class="text">{esc(answer)}</div>' if answer else '<span class="blank">(no answer)</span>'
        mark = number(given[0]) if given and given[0] is not None else ""
        comment = given[1] if given else ""
        body.append(f'<tr><th scope="row">{esc(student)}<br><small>{esc(file)}</small></th><td>{text}</td>'
                    f'<td class="mark">{esc(mark)}</td><td class="comment">{esc(comment)}</td></tr>')
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Written answers, question {esc(question.id)} ({esc(title)})</title>
<style>{STYLE}</style></head>
<body>
<main>
<h1>Written answers: question {esc(question.id)}</h1>
<p>{esc(title)}: {len(rows)} submission(s), {number(question.marks)} mark(s) each. Write each mark and
comment in <code>{MARKS_CSV}</code> (rows with question {esc(question.id)}), then merge them with
<code>make grade ... MARKS={MARKS_CSV}</code>. Answers are shown as the students typed them (plain text).</p>
<div class="layout">
<section class="model" aria-labelledby="model-heading">
<h2 id="model-heading">Model answer</h2>
<div class="text">{esc(question.model)}</div>
</section>
<section aria-labelledby="answers-heading">
<h2 id="answers-heading">Students' answers</h2>
<table>
<caption>Answers to question {esc(question.id)}, one row per submission</caption>
<thead><tr><th scope="col">Student and file</th><th scope="col">Answer</th>
<th scope="col">Mark (out of {number(question.marks)})</th><th scope="col">Comment</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</section>
</div>
</main>
</body>
</html>
"""


def write_marking(out: Path, qs: list[Question], graded: list, title: str, keep: list[Path] = ()) -> None:
    """``out/written/<question>.html`` and ``out/written_marks.csv`` (marks already given are kept)."""
    from assessment.grade import atomic_write

    given: dict = {}
    for path in [out / MARKS_CSV, *keep]:  # MARKS= last: it wins
        if path.is_file():
            given.update(read_marks(path, qs, strict=False))
    folder = out / "written"
    folder.mkdir(exist_ok=True)
    marked = [g for g in graded if g.submission.nb is not None and g.verdicts]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for q in qs:
        rows = []
        for g in sorted(marked, key=lambda g: (g.submission.student, g.submission.file)):
            sub = g.submission
            old = given.get((sub.student, sub.file, q.id))
            rows.append((sub.student, sub.file, g.answers.get(q.id, ""), old))
            writer.writerow([q.id, cell_text(sub.student), cell_text(sub.file), number(q.marks),
                             "" if not old or old[0] is None else number(old[0]), old[1] if old else ""])
        safe = re.sub(r"[^\w.-]+", "_", q.id)
        atomic_write(folder / f"{safe}.html", page(q, rows, title))
    atomic_write(out / MARKS_CSV, buffer.getvalue())


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: a leading = + - @ gets a quote mark.

    >>> cell_text("=HYPERLINK(1)"), cell_text("alice")
    ("'=HYPERLINK(1)", 'alice')
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def plain_text(text: str) -> str:
    """``cell_text`` undone (the marks CSV comes back with the quote mark).

    >>> plain_text("'=HYPERLINK(1)"), plain_text("'tis")
    ('=HYPERLINK(1)', "'tis")
    """
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def read_marks(path: Path, qs: list[Question], strict: bool = True) -> dict:
    """(student, file, question) -> (mark or None, comment) from a filled-in ``written_marks.csv``.

    ``strict``: a mark that is not a number from 0 to the question's marks, or an unknown question,
    raises ``MarksProblem`` listing every such line (nothing is merged); otherwise such lines are skipped.
    """
    by_id = {q.id: q for q in qs}
    marks, problems = {}, []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not set(FIELDS[:2]) | {"mark"} <= set(reader.fieldnames or []):
                raise MarksProblem(f"{path} needs the columns {', '.join(FIELDS)} (as {MARKS_CSV} has them)")
            for line, row in enumerate(reader, start=2):
                qid, text = (row.get("question") or "").strip(), (row.get("mark") or "").strip()
                comment = " ".join((row.get("comment") or "").split())[:MAX_COMMENT]
                if qid not in by_id:
                    problems.append(f"line {line}: no written question {qid!r} in this notebook")
                    continue
                mark = None
                if text:
                    try:
                        mark = float(text.replace(",", "."))
                    except ValueError:
                        mark = math.nan
                    if not 0 <= mark <= by_id[qid].marks:
                        problems.append(f"line {line}: mark {text!r} is not a number from 0 to "
                                        f"{number(by_id[qid].marks)}")
                        continue
                # exact names, as the grader wrote them: stripping would let "alice " take alice's mark
                key = (plain_text(row.get("student") or ""), plain_text(row.get("file") or ""), qid)
                marks[key] = (mark, comment)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MarksProblem(f"cannot read {path}: {exc}") from exc
    if problems and strict:
        raise MarksProblem(f"{path}: " + "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else ""))
    return marks


def feedback_lines(question: Question, given: tuple | None, answer: str) -> list[str]:
    """The student's feedback on one written answer: the mark and comment once marked (never the model answer)."""
    heading = f"## Written answer, question {question.id}"
    if not answer:
        state = "no answer written" + (f": {number(given[0])} of {number(question.marks)} mark(s)"
                                       if given and given[0] is not None else "")
    elif not given or given[0] is None:
        state = "not marked yet"
    else:
        state = f"{number(given[0])} of {number(question.marks)} mark(s)"
    lines = [f"{heading}: {state}", ""]
    if given and given[1]:
        lines += [f"Comment: {given[1]}", ""]
    return lines
