"""fengqiao: grassroots dispute mediation (枫桥经验) as an auditable, policy-configurable state machine.

>>> import fengqiao as fq
>>> fq.State.FOLLOW_UP.label("zh")
'回访跟踪'
"""

import logging

from fengqiao import policies
from fengqiao.domain.actor import OFFICER_ROLES, Actor, Role
from fengqiao.domain.clock import Clock, FixedClock, SystemClock
from fengqiao.domain.dossier import DossierItem, DossierKind, DossierSection, Volume
from fengqiao.domain.household import HelpDepartment, HouseholdFactor, RiskClass, WorkKind
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.records import Assignment, Attempt, Escalation, PolicyRef, Referral, Visit
from fengqiao.domain.terms import (
    CaseKind,
    Category,
    Channel,
    Department,
    JointKind,
    MediationForce,
    MediationKind,
    Outcome,
    PartyKind,
    PartyRole,
    RiskFactor,
    Route,
    VisitKind,
)
from fengqiao.errors import (
    BrokenStreamError,
    ConcurrencyConflict,
    DisputeNotFound,
    FengqiaoError,
    HouseholdNotFound,
    PlaceNotFound,
    PolicyDefinitionError,
    SerializationError,
    StorageError,
    TransitionRefused,
    UnreadableEventError,
    ValidationError,
)
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import (
    AlertLinked,
    Assigned,
    Attached,
    AttemptRecorded,
    Closed,
    Discovered,
    Escalated,
    Event,
    Graded,
    MediationStarted,
    Merged,
    Noted,
    Referred,
    Regraded,
    Reopened,
    Resolved,
    Transitioned,
    VisitRecorded,
)
from fengqiao.lifecycle.graph import Edge, Graph, GraphExtension, StateSpec
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdState, HouseholdTrigger
from fengqiao.lifecycle.kinds import Kind
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.lifecycle.place import FiledReport, Place
from fengqiao.lifecycle.place_events import PlaceState, PlaceTrigger
from fengqiao.lifecycle.refusals import Decision, Refusal
from fengqiao.lifecycle.states import State, Trigger
from fengqiao.places import PlaceWorkflow
from fengqiao.policies import (
    BasePolicy,
    Deadline,
    DeadlineStatus,
    DossierRequirement,
    Policy,
    compose,
)
from fengqiao.serde import SCHEMA_VERSION, dumps, json_schema, loads
from fengqiao.workflow import DeadlineCheck, Workflow, replay

__version__ = "0.1.0"

__all__ = [
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

logging.getLogger("fengqiao").addHandler(logging.NullHandler())  # a library logs; the application says where to
