from __future__ import annotations

import subprocess
import sys
import textwrap

import fengqiao.storage


def test_every_public_storage_name_resolves() -> None:
    assert fengqiao.storage.__all__ == sorted(fengqiao.storage.__all__)
    for name in fengqiao.storage.__all__:
        assert getattr(fengqiao.storage, name) is not None


def test_fengqiao_and_its_stores_import_without_psycopg() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["psycopg"] = None  # as if the postgres extra were not installed
        sys.modules["psycopg_pool"] = None
        import fengqiao, fengqiao.storage
        from fengqiao.storage import MemoryEventStore, SQLiteEventStore
        try:
            fengqiao.storage.PostgresEventStore
        except ModuleNotFoundError as exc:
            print(exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "pip install 'fengqiao[postgres]'" in result.stdout
