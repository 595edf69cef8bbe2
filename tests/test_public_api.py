from __future__ import annotations

import fengqiao as fq

PUBLIC_API = [
    "OFFICER_ROLES",
    "SCHEMA_VERSION",
    "Actor",
    "Alert",
    "AlertLinked",
    "Assessment",
    "Assigned",
    "Assignment",
    "Attached",
    "Attempt",
    "AttemptRecorded",
    "BasePolicy",
    "BrokenStreamError",
    "CaseEvent",
    "CaseKind",
    "Category",
    "Channel",
    "Clock",
    "Closed",
    "ConcurrencyConflict",
    "Deadline",
    "DeadlineCheck",
    "DeadlineStatus",
    "Decision",
    "Department",
    "Discovered",
    "Dispute",
    "DisputeNotFound",
    "DossierItem",
    "DossierKind",
    "DossierRequirement",
    "DossierSection",
    "Edge",
    "Escalated",
    "Escalation",
    "Event",
    "FengqiaoError",
    "FiledReport",
    "FixedClock",
    "Graded",
    "Grading",
    "Graph",
    "GraphExtension",
    "HelpDepartment",
    "Household",
    "HouseholdFactor",
    "HouseholdNotFound",
    "HouseholdState",
    "HouseholdTrigger",
    "HouseholdWorkflow",
    "JointKind",
    "Kind",
    "MediationForce",
    "MediationKind",
    "MediationStarted",
    "Merged",
    "Noted",
    "Outcome",
    "Party",
    "PartyKind",
    "PartyRole",
    "Place",
    "PlaceNotFound",
    "PlaceState",
    "PlaceTrigger",
    "PlaceWorkflow",
    "Policy",
    "PolicyDefinitionError",
    "PolicyRef",
    "Referral",
    "Referred",
    "Refusal",
    "Regraded",
    "Reopened",
    "Resolved",
    "RiskClass",
    "RiskFactor",
    "Role",
    "Route",
    "SerializationError",
    "State",
    "StateSpec",
    "StorageError",
    "SystemClock",
    "TransitionRefused",
    "Transitioned",
    "Trigger",
    "UnreadableEventError",
    "ValidationError",
    "Visit",
    "VisitKind",
    "VisitRecorded",
    "Volume",
    "WorkKind",
    "Workflow",
    "compose",
    "dumps",
    "json_schema",
    "loads",
    "policies",
    "replay",
]


def test_the_public_api_is_exactly_the_pinned_names() -> None:
    assert fq.__all__ == PUBLIC_API


def isort_style(name: str) -> tuple[int, str]:
    """The order ruff (RUF022) keeps ``__all__`` in: CONSTANTS, then Classes, then functions."""
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, name


def test_the_public_api_is_sorted() -> None:
    assert fq.__all__ == sorted(fq.__all__, key=isort_style)


def test_every_public_name_resolves() -> None:
    missing = [name for name in fq.__all__ if not hasattr(fq, name)]
    assert missing == []


def test_the_design_contract_names_are_public() -> None:
    contract = {"Workflow", "FixedClock", "Channel", "Category", "Party", "State", "Trigger", "Dispute"}
    contract |= {"replay", "dumps", "loads", "policies", "TransitionRefused", "PolicyDefinitionError"}
    contract |= {"ValidationError", "SerializationError", "StorageError", "ConcurrencyConflict", "FengqiaoError"}
    assert contract <= set(fq.__all__)


def test_the_package_has_a_version() -> None:
    assert isinstance(fq.__version__, str)
    assert fq.__version__
