from __future__ import annotations

from typing import Any

import pytest

from fengqiao.ledger import Ledger, MemoryLedger
from fengqiao.testing.contracts import LedgerContract, LedgerFactory


class TestMemoryLedger(LedgerContract):
    @pytest.fixture
    def make_ledger(self) -> LedgerFactory:
        def make(**options: Any) -> Ledger:
            return MemoryLedger(**options)

        return make
