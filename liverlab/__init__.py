"""Liver Evidence Lab: the small library behind the course notebooks.

One module per idea a learner meets:

- ``liverlab.scores``       MELD, MELD-Na, MELD 3.0, Child-Pugh, Mayo PBC risk (reference versions)
- ``liverlab.units``        SI <-> conventional unit conversions
- ``liverlab.data``         checksum-verified loaders for the data sets in ``data/``
- ``liverlab.pbc_trial``    the Mayo PBC trial of notebook 06: visit windows, typical lab changes, its figures
- ``liverlab.cohorts``      synthetic cirrhosis natural history (cited parameters)
- ``liverlab.studies``      a clinic case series and a randomized trial, simulated
- ``liverlab.rtm``          regression-to-the-mean arithmetic (Barnett et al. 2005)
- ``liverlab.survival``     the infusion clinic of notebook 03: infusions, (start, stop] periods, informative loss
- ``liverlab.parameters``   ``Cited(value, unit, source)``: simulation parameters with sources
- ``liverlab.widgets``      the interactive explorers of notebook 05 (plain, tested callbacks)
- ``liverlab.checks``       self-checks for the exercises (never reveal the answer)
- ``liverlab.style``        one plotting style for every figure
- ``liverlab.environment``  is this the environment the course was tested with?

Educational use only: nothing here is a clinical calculator for patient care.
"""

__version__ = "0.1.0"
