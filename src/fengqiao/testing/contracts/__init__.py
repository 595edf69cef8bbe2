"""Contract suites a back-end or a policy subclasses: the same tests fengqiao's own pass.

As eventsourcing ships its recorder tests, fengqiao ships the suites its own back-ends and
policies run, so a third party's store, ledger or policy is held to the same behaviour:

- :class:`EventStoreContract` (:mod:`.store`): every event store; :class:`SQLStoreContract`
  (:mod:`.sql_store`) what SQL stores add (raw rows, tampering, migrations);
- :class:`LedgerContract` (:mod:`.ledger`): every ledger; :class:`SQLLedgerContract`
  (:mod:`.sql_ledger`) what SQL ledgers add;
- :class:`PolicyContract` (:mod:`.policy`): every policy;
- :class:`AsyncEventStoreContract` and :class:`AsyncSQLStoreContract` (:mod:`.async_store`):
  the store contracts again for an asynchronous store (``make_async_store``).

Subclass one in a module pytest collects, name the class ``Test…`` and give it the fixtures
its docstring lists (``make_store`` and ``store`` for a store; ``make_ledger`` for a ledger;
``policy`` for a policy). Needs the ``testing`` extra (hypothesis and pytest). The modules'
plain ``assert`` statements are rewritten by pytest (registered here, before they load), so
a failure shows the values compared.
"""

try:
    import pytest
except ModuleNotFoundError as exc:  # the testing extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("fengqiao.testing's contract suites", exc) from exc

pytest.register_assert_rewrite(
    "fengqiao.testing.contracts._ledger_households",
    "fengqiao.testing.contracts._ledger_queries",
    "fengqiao.testing.contracts._sql_tampering",
    "fengqiao.testing.contracts._store_reads",
    "fengqiao.testing.contracts._store_repository",
    "fengqiao.testing.contracts._store_writes",
    "fengqiao.testing.contracts.async_store",
    "fengqiao.testing.contracts.ledger",
    "fengqiao.testing.contracts.ledger_support",
    "fengqiao.testing.contracts.policy",
    "fengqiao.testing.contracts.sql_ledger",
    "fengqiao.testing.contracts.sql_store",
    "fengqiao.testing.contracts.sql_support",
    "fengqiao.testing.contracts.store",
    "fengqiao.testing.contracts.support",
)

from fengqiao.testing.contracts.async_store import (  # noqa: E402
    AsyncEventStoreContract,
    AsyncSQLStoreContract,
    AsyncStoreFactory,
)
from fengqiao.testing.contracts.ledger import LedgerContract  # noqa: E402
from fengqiao.testing.contracts.ledger_support import LedgerFactory  # noqa: E402
from fengqiao.testing.contracts.policy import PolicyContract  # noqa: E402
from fengqiao.testing.contracts.sql_ledger import SQLLedgerContract  # noqa: E402
from fengqiao.testing.contracts.sql_store import SQLStoreContract  # noqa: E402
from fengqiao.testing.contracts.sql_support import Placeholders, Raw, RawError  # noqa: E402
from fengqiao.testing.contracts.store import EventStoreContract  # noqa: E402
from fengqiao.testing.contracts.support import StoreFactory, Tamper, forge  # noqa: E402

__all__ = [
    "AsyncEventStoreContract",
    "AsyncSQLStoreContract",
    "AsyncStoreFactory",
    "EventStoreContract",
    "LedgerContract",
    "LedgerFactory",
    "Placeholders",
    "PolicyContract",
    "Raw",
    "RawError",
    "SQLLedgerContract",
    "SQLStoreContract",
    "StoreFactory",
    "Tamper",
    "forge",
]
