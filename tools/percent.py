"""Draft a solution notebook from a percent-format script (a one-off import).

Some authors prefer to draft in a plain text editor. This turns a script whose cells
start with ``# %%`` (code) or ``# %% [markdown]`` (markdown, each line prefixed by
``# ``), optionally followed by ``tags=["solution"]``, into ``solutions/NN_slug.ipynb``.
After the import the ``.ipynb`` is the single source: edit it in JupyterLab, then run
``make solutions``.

    python -m tools.percent draft.py solutions/01_meld_math.ipynb
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?:\s+tags=(?P<tags>\[.*\]))?\s*$")


def cells_from_percent(text: str) -> list:
    cells, kind, cell_tags, lines = [], None, [], []

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(re.sub(r"^# ?", "", line) for line in body.splitlines())
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
        if cell_tags:
            cell.metadata["tags"] = cell_tags
        cells.append(cell)

    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            flush()
            kind = "markdown" if match.group("md") else "code"
            cell_tags = json.loads(match.group("tags")) if match.group("tags") else []
            lines = []
        else:
            lines.append(line)
    flush()
    return cells


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    nb = nbformat.v4.new_notebook()
    nb.cells = cells_from_percent(source.read_text(encoding="utf-8"))
    stem = target.stem.replace("_", "-")
    for i, cell in enumerate(nb.cells):
        cell.id = f"{stem}-{i:03d}"
    nbformat.write(nb, target)
    print(f"wrote {target} ({len(nb.cells)} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
