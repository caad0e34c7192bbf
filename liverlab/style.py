"""One plotting style for every figure in the course.

``use()`` sets seaborn's theme with the Okabe-Ito palette, which stays
distinguishable for the common forms of colour-vision deficiency, and a readable
font size. Figures are rendered as PNG (SVG output embeds a date and would make
stored notebook outputs differ between runs).

Colour never carries meaning alone: pair it with line style, marker or a label.

Contrast of the plot lines (WCAG 1.4.11, 3:1 for graphics needed to understand a figure) against
the white axes of ``use()`` (seaborn's ``whitegrid``): blue 5.2:1, vermillion 3.9:1, bluish green
3.4:1, reddish purple 3.1:1 and black 21:1 reach it; orange 2.3:1, sky blue 2.3:1 and yellow
1.3:1 do not (``LOW_CONTRAST``). A line, marker or bar drawn in one of those must carry a second
cue that does not depend on colour: its own line style (``LINESTYLES``), marker or hatch, or a
direct label, as the course's figures do (e.g. the claim calculator's hatched orange bar, the
explorer's orange diamond with a black edge).
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

__all__ = ["OKABE_ITO", "LINESTYLES", "LOW_CONTRAST", "use", "show"]

# Okabe M, Ito K. Color Universal Design (CUD): how to make figures and presentations that
# are friendly to colorblind people. 2002. https://jfly.uni-koeln.de/color/
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
LINESTYLES = ("-", "--", ":", "-.")
# Below 3:1 against white: never the only cue that tells a line or marker apart (see above).
LOW_CONTRAST = ("#E69F00", "#56B4E9", "#F0E442")


def use() -> None:
    """Apply the course style to matplotlib and seaborn (call once, in the setup cell)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=list(OKABE_ITO), font_scale=1.05)
    mpl.rcParams.update({
        "figure.figsize": (7.0, 4.0),
        "figure.dpi": 90,
        "axes.titlesize": "medium",
        "axes.titleweight": "bold",
        "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
        "legend.frameon": False,
        "svg.hashsalt": "liverlab",
    })


def show(alt: str, fig=None) -> None:
    """Display a figure as PNG with its alt text, then close it (use instead of ``plt.show()``).

    ``alt`` states the finding in one sentence for a screen-reader user (what the
    figure shows, not how it is drawn, and not the caption again). It is written to
    the output's metadata by the Jupyter convention ``{"image/png": {"alt": ...}}``,
    which the course site and the deck read. JupyterLab 4.6 does not yet (its image renderer
    ignores the metadata alt; jupyter/enhancement-proposals#120): it will once it
    implements the convention.
    """
    from IPython.display import Image, display

    if not isinstance(alt, str) or len(alt.split()) < 5:
        raise ValueError("show(alt=...) needs a sentence of at least five words that states the finding")
    fig = fig if fig is not None else plt.gcf()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"), metadata={"image/png": {"alt": alt}})
