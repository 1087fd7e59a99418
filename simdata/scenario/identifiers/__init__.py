"""Scenario sections of the identifier-resolution economy: ``enterprises`` and ``subsidy``."""

from simdata.scenario.identifiers.enterprises import (
    DEFAULT_HOURLY_WEIGHTS,
    Adoption,
    BassAdoption,
    CasesSpec,
    EnterprisesSpec,
    InitialEnterprise,
    PoissonAdoption,
)
from simdata.scenario.identifiers.subsidy import SubsidySpec, check_deadline

__all__ = [
    "DEFAULT_HOURLY_WEIGHTS",
    "Adoption",
    "BassAdoption",
    "CasesSpec",
    "EnterprisesSpec",
    "InitialEnterprise",
    "PoissonAdoption",
    "SubsidySpec",
    "check_deadline",
]
