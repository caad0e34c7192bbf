"""Is this the environment the course was tested with?

``check_environment()`` compares the installed versions of the course's top-level
packages with the pins in ``requirements.in`` or, in a student release,
``requirements-runtime.in`` (found in the notebook's folder or a folder above it) and prints
one line per package. It never raises: a mismatch is reported, not fatal, because a
newer version usually works, but then a stored number may differ in its last digit.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["pinned_versions", "check_environment"]

PIN_FILES = ("requirements.in", "requirements-runtime.in")
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def find_requirements(start: Path | None = None) -> Path | None:
    """The course's pin file: in ``start`` (default: the working directory) or the nearest folder above."""
    here = Path.cwd() if start is None else Path(start)
    for folder in [here, *here.parents]:
        for name in PIN_FILES:
            if (folder / name).is_file():
                return folder / name
    return None


def pinned_versions(path: Path | None = None) -> dict[str, str]:
    """Package -> pinned version, read from the course's ``requirements.in`` (see ``find_requirements``)."""
    path = find_requirements() if path is None else path
    if path is None:
        return {}
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def check_environment(packages=("numpy", "pandas", "scipy", "matplotlib", "seaborn",
                                "lifelines", "ipywidgets")) -> None:
    """Print installed vs pinned versions, one line per package, and a verdict."""
    python_ok = sys.version_info >= (3, 10)
    print(f"{'Python ≥ 3.10':<12} {'OK' if python_ok else 'TOO OLD: install Python 3.10 or newer'}")
    pins = pinned_versions()
    if not pins:
        print("(no requirements.in found in the course folder: versions shown for information only)")
    all_ok = python_ok
    for name in packages:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "MISSING"
        pinned = pins.get(name)
        ok = installed == pinned if pinned else installed != "MISSING"
        all_ok &= ok
        note = "OK" if ok else f"course tested with {pinned}" if pinned else "please install it"
        print(f"{name:<12} {installed:<9} {note}")
    print("✅ Your environment matches the course." if all_ok else
          "⚠️ Some versions differ: run `make lab` from the course folder to get the tested set.")
