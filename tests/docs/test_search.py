"""The search index splits Chinese into words, so a term is found inside a longer phrase."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def search_index(site: Path) -> dict[str, Any]:
    index: dict[str, Any] = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return index


def tokens(site: Path, text: str) -> list[str]:
    """The tokens the browser's search splits ``text`` into (the index's own separator)."""
    separator = search_index(site)["config"]["separator"]
    return [token for token in re.split(separator, text) if token]


def test_the_index_is_built_for_chinese_and_english(site: Path) -> None:
    assert search_index(site)["config"]["lang"] == ["en", "zh"]


def test_a_chinese_term_inside_a_phrase_is_a_token_of_its_own(site: Path) -> None:
    docs = search_index(site)["docs"]
    with_phrase = [doc for doc in docs if "纠纷" in doc["text"] and "矛盾" in doc["text"]]
    assert with_phrase, "no page of the site says 矛盾纠纷"
    words = {token for doc in with_phrase for token in tokens(site, doc["text"])}
    assert "矛盾" in words
    assert "纠纷" in words
    assert "矛盾纠纷" not in words  # the phrase was split, not indexed whole
