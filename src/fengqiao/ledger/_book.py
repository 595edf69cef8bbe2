"""Which policy the ledger handles each dispute under, and one workflow per policy.

Events do not name the policy that decided them, so a ledger is told: one policy for every
dispute (a name or a policy object), or a function that picks a policy name from the
dispute (by station, say). The function should look only at what is fixed at discovery —
station, channel, category, id — so a dispute keeps its policy for life; it is asked again at
every append, and by :meth:`~fengqiao.ledger.Ledger.rebuild`, with the same disputes, so
a rebuild still equals the incremental result. A row keeps the policy it was projected
under: after changing the choice, :meth:`~fengqiao.ledger.Ledger.rebuild`.

Households are handled under one household policy (``household_policy``: a registered name
or a :class:`~fengqiao.policies.households.HouseholdPolicy` object; the base policy
``household-base`` by default), with one :class:`~fengqiao.households.HouseholdWorkflow`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from fengqiao.domain._quote import quote, said
from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies import registry
from fengqiao.policies.base import Policy
from fengqiao.policies.households import HouseholdPolicy
from fengqiao.storage._arguments import iterate
from fengqiao.workflow import Workflow

__all__ = ["HouseholdPolicyChoice", "PolicyBook", "PolicyChoice"]

PolicyChoice = str | Policy | Callable[[Dispute], str]
"""A policy name, a policy object, or a function giving a dispute's policy name."""
HouseholdPolicyChoice = str | HouseholdPolicy
"""A registered household policy's name, or a household policy object."""


class PolicyBook:
    """Resolves policy names to policy objects and workflows, and picks each dispute's policy.

    Args:
        policy: every dispute's policy (a name or an object), or a function naming it.
        policies: policy objects to use for their names instead of the registry's default
            instances (a Yongji policy with its own thresholds, an unregistered policy).
        household_policy: every household's policy: a registered household policy's name or
            a household policy object.

    Raises:
        ValidationError: ``policy`` is none of the above, or names an unknown policy;
            ``household_policy`` is not a household policy or the name of one (path
            ``household_policy``).
    """

    def __init__(
        self,
        policy: PolicyChoice = "baseline",
        policies: Iterable[Policy] = (),
        *,
        household_policy: HouseholdPolicyChoice = "household-base",
    ) -> None:
        self.households = _household_workflow(household_policy)
        """The one workflow every household is checked and judged by (its policy, its graph)."""
        self._known: dict[str, Policy] = {}
        self._workflows: dict[str, Workflow] = {}
        self._lock = threading.Lock()
        for p in iterate(policies, "policies", "policy objects"):
            self._check(p)
            self._known[p.name] = p
        self._choose: Callable[[Dispute], str] | None = None
        self._fixed: str | None = None
        if isinstance(policy, str):
            self._fixed = policy
            self.policy(policy)  # an unknown name fails now, not at the first append
        elif isinstance(policy, Policy) and not isinstance(policy, type):
            self._known[policy.name] = policy
            self._fixed = policy.name
        elif callable(policy) and not isinstance(policy, type):
            self._choose = policy
        else:
            raise ValidationError(f"expected a policy, a policy name or a function, got {quote(policy)}", "policy")

    def __repr__(self) -> str:
        return f"PolicyBook({quote(self._fixed or self._choose)})"

    def name_for(self, dispute: Dispute) -> str:
        """The name of the policy ``dispute`` is handled under.

        Raises:
            ValidationError: the function raised, or gave something that is not a known
                policy name; the message names the dispute.
        """
        if self._fixed is not None:
            return self._fixed
        assert self._choose is not None
        try:
            name = self._choose(dispute)
        except Exception as exc:  # the user's function: its error, named, for the ledger to quarantine
            raise ValidationError(
                f"the policy function raised {type(exc).__name__} for dispute {dispute.id}: {said(exc)}", "policy"
            ) from exc
        if not isinstance(name, str):
            raise ValidationError(
                f"the policy function gave {quote(name)} for {dispute.id}, not a policy name", "policy"
            )
        self.policy(name)
        return name

    def policy(self, name: str) -> Policy:
        """The policy object for ``name``: one given to the book, else the registry's.

        Raises:
            ValidationError: no policy has that name.
        """
        found = self._known.get(name)
        if found is None:
            with self._lock:
                found = self._known.get(name)
                if found is None:
                    found = self._known[name] = registry.get(name)
        return found

    def workflow(self, name: str) -> Workflow:
        """One workflow per policy name, built once (its graph and machine are reused)."""
        found = self._workflows.get(name)
        if found is None:
            with self._lock:
                found = self._workflows.get(name)
                if found is None:
                    found = self._workflows[name] = Workflow(self.policy(name))
        return found

    def resolve(self, policy: str | Policy) -> Policy:
        """A policy object for a name or an object (returned as it is)."""
        if isinstance(policy, str):
            return self.policy(policy)
        self._check(policy)
        return policy

    @staticmethod
    def _check(policy: object) -> None:
        if isinstance(policy, type) or not isinstance(policy, Policy):
            raise ValidationError(f"expected a policy object, got {quote(policy)}", "policies")


def _household_workflow(policy: object) -> HouseholdWorkflow:
    """The workflow of ``policy``, a household policy or its registered name.

    Raises:
        ValidationError: anything else (path ``household_policy``); a dispute policy's name says so.
    """
    if isinstance(policy, str) or (isinstance(policy, HouseholdPolicy) and not isinstance(policy, type)):
        try:
            return HouseholdWorkflow(policy)
        except ValidationError as exc:
            raise ValidationError(exc.message, "household_policy") from None
    raise ValidationError(f"expected a household policy or its name, got {quote(policy)}", "household_policy")
