"""Every built-in policy passes the policy contract shipped in ``fengqiao.testing``."""

from __future__ import annotations

import pytest

import fengqiao as fq
from fengqiao.testing.contracts import PolicyContract


class TestBuiltInPolicies(PolicyContract):
    max_examples = 15

    @pytest.fixture(params=fq.policies.names())
    def policy(self, request: pytest.FixtureRequest) -> fq.Policy:
        return fq.policies.get(request.param)
