"""Scenario sections of the public-data sharing model: catalogue, requesters, policy, agency."""

from simdata.scenario.public_data.agency import AgencySpec, ReuseSpec
from simdata.scenario.public_data.catalogue import CatalogueSpec
from simdata.scenario.public_data.departments import (
    DepartmentSizes,
    DepartmentSpec,
    DepartmentTable,
    department_names,
)
from simdata.scenario.public_data.policy import PolicySpec
from simdata.scenario.public_data.requesters import RequesterGroup, RequestersSpec

__all__ = [
    "AgencySpec",
    "CatalogueSpec",
    "DepartmentSizes",
    "DepartmentSpec",
    "DepartmentTable",
    "PolicySpec",
    "RequesterGroup",
    "RequestersSpec",
    "ReuseSpec",
    "department_names",
]
