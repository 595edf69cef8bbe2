"""One build of the documentation site, shared by the tests that read it.

``make pytest`` builds the site first (``make docs``) and names it in ``FENGQIAO_SITE_DIR``; run alone, these
tests build it once into a temporary folder (the notebooks are executed: a few minutes on a cold cache).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("FENGQIAO_SITE_DIR")
    if named:
        built = Path(named)
        if not (built / "index.html").is_file():
            pytest.fail(f"FENGQIAO_SITE_DIR={named} holds no built site: run `make docs` first")
        return built
    built = tmp_path_factory.mktemp("site")
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(built)]
    result = subprocess.run(mkdocs, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return built
