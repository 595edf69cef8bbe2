"""Reports a policy offers over a ledger: found through the policy, fed by the ledger's query API.

A report is a policy's own pure function (Huainan's 09:00 dispatch view, Huaiyang's informant
rewards …) run over the disputes a ledger selects. The policy names its reports in
``reports()``; a ledger (or the CLI) looks them up there, so a third-party policy registered
through the ``fengqiao.policies`` entry point offers reports exactly as the built-in ones do.
This module depends on the domain and lifecycle only; a ledger satisfies
:class:`DisputeQuery` without this module knowing of it.

>>> import fengqiao as fq
>>> sorted(reports_of(fq.policies.get("huainan-two-clears")))
['dispatch']
>>> dict(reports_of(fq.policies.get("baseline")))
{}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol

from fengqiao.domain._quote import quote
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute

__all__ = ["NO_REPORTS", "DisputeQuery", "Report", "reports_of"]


class DisputeQuery(Protocol):
    """What a report may ask of the ledger it runs over (every :class:`~fengqiao.ledger.Ledger` answers it)."""

    def select(self, **conditions: Any) -> Iterator[Dispute]:
        """The disputes meeting every condition, as folded at their last append, by id.

        The conditions are :meth:`fengqiao.ledger.Ledger.select`'s: ``state``, ``grade``,
        ``category``, ``channel``, ``station``, ``policy`` (one value or a collection),
        ``assignee``, ``role``, ``open_only``, ``discovered`` and ``received`` (``(start, end)``
        spans), ``due_before``, ``dossier_incomplete``. A report narrows with them and then
        decides in Python, so a ledger's answer need only be a superset of what it reports on.
        """
        ...


Report = Callable[..., Any]
"""A report bound to its policy, called as ``report(ledger, *arguments, **options)`` (a :class:`DisputeQuery`)."""

NO_REPORTS: Mapping[str, Report] = MappingProxyType({})
"""What a policy without reports offers."""


def reports_of(policy: object) -> Mapping[str, Report]:
    """The reports ``policy`` offers by name: its ``reports()``, or none for a policy without that method.

    ``reports()`` is optional in the :class:`~fengqiao.policies.Policy` protocol, so a policy
    written before reports existed still is one.

    Raises:
        PolicyDefinitionError: ``reports()`` gave something that is not a mapping of names to callables.
    """
    method = getattr(policy, "reports", None)
    if method is None:
        return NO_REPORTS
    found = method() if callable(method) else method
    name = getattr(policy, "name", type(policy).__name__)
    if not isinstance(found, Mapping):
        raise PolicyDefinitionError(f"{name}: reports() must give a mapping of names to reports, not {quote(found)}")
    for key, report in found.items():
        if not isinstance(key, str) or not callable(report):
            raise PolicyDefinitionError(f"{name}: report {quote(key)} must be named by text and callable")
    return found
