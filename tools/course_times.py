"""Copy each notebook card's **Time:** into the course's tables: notebook 00's course map, README's course map,
INSTRUCTORS' exercise table and its total (``make sync-times``; then ``make solutions NB=00``).

The cards are the source: a card states a range ("about 65–75 minutes"); the tables show the same range and the total
adds the upper ends, to the nearest quarter hour. ``tests/test_authoring.py`` fails when a table falls behind.
"""

from __future__ import annotations

import re

import nbformat

from tools import authoring, pacing


def card_times(nb) -> tuple[str, int | None, int]:
    """(the card's core range as written, e.g. "65–75", optional minutes, core minutes counted: the upper end)."""
    card = "\n".join(c.source for c in nb.cells[:3] if c.cell_type == "markdown")
    line = next(ln for ln in card.splitlines() if "**Time:**" in ln)
    found = pacing.STATED.search(line)
    core, optional = pacing.stated_minutes(nb)
    return (f"{found.group(1)}–{found.group(2)}" if found.group(2) else found.group(1)), optional, core


def hours(minutes: int) -> str:
    """Minutes as hours to the nearest quarter: 525 -> '8¾'."""
    whole, quarters = divmod(round(minutes / 15), 4)
    return f"{whole}{['', '¼', '½', '¾'][quarters]}"


def _replace(pattern: str, new, text: str, where: str, flags=re.M) -> str:
    text, n = re.subn(pattern, new, text, flags=flags)
    if n != 1:
        raise ValueError(f"{where}: expected one line matching {pattern!r}, found {n}")
    return text


def sync() -> list[str]:
    """Rewrite the tables from the cards; return the files changed."""
    times = {p.name[:2]: card_times(authoring.read(p)) for p in authoring.solution_paths()}
    changed = []

    start = authoring.solution_paths()[0]
    nb = nbformat.read(start, as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith("## The course map"))
    source = cell.source
    for nn, (span, optional, _) in times.items():
        time = f"{span} min" + (f" (+{optional} optional)" if optional else "")
        source = _replace(rf"^(\| \*\*{nn} · .*\| )[^|]*( \|)$", lambda m: m.group(1) + time + m.group(2), source,
                          f"{start.name} course map")
    if source != cell.source:
        cell.source = source
        nbformat.write(nb, start)
        changed.append(str(start.relative_to(authoring.ROOT)))

    readme = authoring.ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = text
    for nn, (span, _, _) in times.items():
        new = _replace(rf"^(\| {nn} \| [^|]*\|[^|]*\| )\d+(?:–\d+)? min", lambda m: m.group(1) + f"{span} min", new,
                       "README.md course map")
    if new != text:
        readme.write_text(new, encoding="utf-8")
        changed.append("README.md")

    instructors = authoring.ROOT / "INSTRUCTORS.md"
    text = instructors.read_text(encoding="utf-8")
    new = text
    for nn, (span, optional, _) in times.items():
        new = re.sub(rf"^(\| `{nn}_[^|]*\| )\d+(?:–\d+)? min \(\+\d+\)",
                     lambda m: m.group(1) + f"{span} min (+{optional})", new, flags=re.M)
    core_total = sum(core for _, _, core in times.values())
    optional_total = sum(optional or 0 for _, optional, _ in times.values())
    new = _replace(r"About \S+ hours of notebook work on the core paths \(course-map times; about \S+ more",
                   f"About {hours(core_total)} hours of notebook work on the core paths (course-map times; "
                   f"about {hours(optional_total)} more", new, "INSTRUCTORS.md total")
    if new != text:
        instructors.write_text(new, encoding="utf-8")
        changed.append("INSTRUCTORS.md")
    return changed


if __name__ == "__main__":
    files = sync()
    print("updated: " + ", ".join(files) if files else "the tables already match the cards")
