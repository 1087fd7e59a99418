"""Scenario sections of the public-data sharing model: catalogue, requesters, policy, agency."""

from simdata.scenario.public_data.agency import AgencySpec, ReuseSpec
from simdata.scenario.public_data.catalogue import CatalogueSpec, department_names
from simdata.scenario.public_data.policy import PolicySpec
from simdata.scenario.public_data.requesters import RequesterGroup, RequestersSpec

__all__ = [
    "AgencySpec",
    "CatalogueSpec",
    "PolicySpec",
    "RequesterGroup",
    "RequestersSpec",
    "ReuseSpec",
    "department_names",
]
