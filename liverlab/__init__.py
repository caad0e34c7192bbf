"""Liver Evidence Lab: the small library behind the course notebooks.

One module per idea a learner meets:

- ``liverlab.scores``  MELD, MELD-Na, MELD 3.0, Child-Pugh, Mayo PBC risk
- ``liverlab.units``   SI <-> conventional unit conversions
- ``liverlab.checks``  self-checks for the exercises (never reveal the answer)
- ``liverlab.style``   one plotting style for every figure

Educational use only: nothing here is a clinical calculator for patient care.
"""

__version__ = "0.1.0"
