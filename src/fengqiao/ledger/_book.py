"""Which policy the ledger handles each dispute under, and one workflow per policy.

A ledger is told: one policy for every dispute (a name or a policy object), each dispute's
own recorded policy (:class:`RecordedPolicy`: the one its discovery recorded, see
:attr:`~fengqiao.Dispute.policy`), or a function that picks a policy name from the dispute
(by station, say). The function should look only at what is fixed at discovery — station,
channel, category, id, the recorded policy — so a dispute keeps its policy for life; it is
asked again at every append, and by :meth:`~fengqiao.ledger.Ledger.rebuild`, with the same
disputes, so a rebuild still equals the incremental result. A row keeps the policy it was
projected under: after changing the choice, :meth:`~fengqiao.ledger.Ledger.rebuild`.

Households are handled under one household policy (``household_policy``: a registered name
or a :class:`~fengqiao.policies.households.HouseholdPolicy` object; the base policy
``household-base`` by default), with one :class:`~fengqiao.households.HouseholdWorkflow`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping

import attrs

from fengqiao.domain._checks import identifier, require_filled
from fengqiao.domain._quote import quote, said
from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies import registry
from fengqiao.policies.base import Policy
from fengqiao.policies.households import HouseholdPolicy
from fengqiao.storage._arguments import iterate
from fengqiao.workflow import Workflow

__all__ = ["HouseholdPolicyChoice", "PolicyBook", "PolicyChoice", "RecordedPolicy"]


def _moves(value: object) -> dict[str, str]:
    """``adopted`` as a dict of policy names to policy names."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"expected a mapping of policy names to policy names, got {quote(value)}", "adopted")
    for name in (*value.keys(), *value.values()):
        require_filled(name, "adopted", "id")
    return dict(value)


@attrs.frozen
class RecordedPolicy:
    """Each dispute under its own policy: the one its discovery recorded (:attr:`~fengqiao.Dispute.policy`).

    For a database that holds disputes decided under several policies — a city's stations,
    each under its region's rules — pass it as a ledger's ``policy``; the rows, overdue
    deadlines and figures then follow the rules each dispute was decided by. Another version of
    the same policy is handled under the one the ledger has (by name, as a workflow goes on with
    a case opened under another version). A recorded policy the ledger does not know (not
    registered, not among its ``policies``) sets the dispute's events aside as a problem, named,
    rather than handling it under the wrong rules.

    A dispute keeps the policy it was opened under when a workflow of another policy takes it
    on (``Workflow(..., adopts=[...])``): say so with ``adopted``, or the ledger goes on
    handling it under the policy it records.

    Args:
        default: the policy of a dispute that records none (stored before fengqiao 0.1.0).
        adopted: policies whose disputes are now handled under another, by name
            (``{"baseline": "yongji-54333"}`` for a station that moved to Yongji's rules).

    Raises:
        ValidationError: ``default`` is not a policy name (path ``default``), ``adopted`` not
            a mapping of names (path ``adopted``); a ledger given this refuses an unknown
            ``default`` or adopting policy when it is opened.

    >>> import fengqiao as fq
    >>> d = fq.Workflow("yongji-54333").discover(channel="alarm_110", category="neighbour",
    ...                                          summary="邻居堵门", actor="officer:xiao")
    >>> RecordedPolicy()(d)
    'yongji-54333'
    >>> RecordedPolicy(adopted={"yongji-54333": "huainan-two-clears"})(d)
    'huainan-two-clears'
    """

    default: str = attrs.field(default="baseline", validator=identifier)
    adopted: dict[str, str] = attrs.field(factory=dict, converter=_moves, hash=False)

    def __call__(self, dispute: Dispute) -> str:
        """The name of the policy ``dispute`` is handled under: the one it records (or :attr:`default`), as adopted."""
        recorded = dispute.policy
        name = recorded.name if recorded is not None else self.default
        return self.adopted.get(name, name)


PolicyChoice = str | Policy | RecordedPolicy | Callable[[Dispute], str]
"""A policy name, a policy object, each dispute's recorded policy, or a function giving a dispute's policy name."""
HouseholdPolicyChoice = str | HouseholdPolicy
"""A registered household policy's name, or a household policy object."""


class PolicyBook:
    """Resolves policy names to policy objects and workflows, and picks each dispute's policy.

    Args:
        policy: every dispute's policy (a name or an object), each dispute's recorded policy
            (:class:`RecordedPolicy`), or a function naming it.
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
            if isinstance(policy, RecordedPolicy):  # an unknown default or adopter fails now, not at the first dispute
                for name in (policy.default, *policy.adopted.values()):
                    self.policy(name)
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
        try:
            self.policy(name)
        except ValidationError as exc:
            whose = (
                f"dispute {dispute.id} records policy {quote(name)}"
                if isinstance(self._choose, RecordedPolicy)
                else f"the policy function gave {quote(name)} for {dispute.id}"
            )
            raise ValidationError(
                f"{whose}, which the ledger does not know (give it in policies=): {exc.message}", "policy"
            ) from None
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
