from __future__ import annotations

from typing import Any

import pytest
from ledger_contract import LedgerContract
from ledger_support import LedgerFactory

from fengqiao.ledger import Ledger, MemoryLedger


class TestMemoryLedger(LedgerContract):
    @pytest.fixture
    def make_ledger(self) -> LedgerFactory:
        def make(**options: Any) -> Ledger:
            return MemoryLedger(**options)

        return make
