"""Scenario files: the units grammar, the strict YAML reader, the validated models.

Top level: ``units``, ``quantities``, ``distributions``, ``worktime``, ``strict_yaml``,
``loader``, ``schema``, ``section``, ``calendar_spec`` and ``models`` (the whole
:class:`~simdata.scenario.models.Scenario`). One sub-package per area holds its sections:
``resolution`` (traffic, node, SLA), ``identifiers`` (enterprises, subsidy) and
``public_data`` (catalogue, requesters, policy, agency).
"""
