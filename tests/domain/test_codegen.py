"""Generated code names its source: tracebacks, ``inspect`` and pdb show the generated lines."""

from __future__ import annotations

import inspect
import linecache
import traceback

import pytest

import fengqiao as fq
from fengqiao.domain import _codegen
from fengqiao.domain._calls import checked_call
from fengqiao.errors import ValidationError
from fengqiao.lifecycle import fold as fold_module

FAST_ONLY = pytest.mark.skipif(_codegen.PLAIN, reason="FENGQIAO_PLAIN=1: nothing of this is compiled")


def _traceback_of(call: object) -> str:
    with pytest.raises(ValidationError) as caught:
        call()  # type: ignore[operator]
    return "".join(traceback.format_exception(caught.value))


@FAST_ONLY
def test_a_traceback_through_a_quick_init_names_the_generated_file_and_shows_its_line() -> None:
    text = _traceback_of(lambda: fq.Party(name=""))
    assert 'File "<fengqiao generated __init__ fengqiao.domain.party.Party>", line ' in text
    assert "    _init(self, name=name, kind=kind," in text  # the generated line itself, not "<string>"
    assert '"<string>"' not in text


@FAST_ONLY
def test_inspect_reads_the_source_of_a_generated_init() -> None:
    source = inspect.getsource(fq.Party.__init__.__code__)  # the function's own would follow __wrapped__
    assert source.startswith("def __init__(self, name, kind=_default_kind,")
    assert "_set_name(self, name)" in source


def test_a_traceback_through_a_call_front_names_the_generated_file() -> None:
    @checked_call()
    def noted(text: str, *, why: str = "") -> str:
        raise ValidationError("refused", "text")

    text = _traceback_of(lambda: noted("x", why="y"))
    assert f'File "<fengqiao generated front {__name__}.' in text
    assert "    return _f(text, why=why)" in text


@FAST_ONLY
def test_the_folds_compiled_copies_have_their_source_on_record() -> None:
    filename = fold_module._DISPUTE.copy.__code__.co_filename
    assert filename == "<fengqiao generated copy fengqiao.lifecycle.dispute.Dispute>"
    assert linecache.getline(filename, 1) == "def copy(d, c):\n"
    keyed = fold_module._DISPUTE.copy_of(("summary", "updated_at"))
    assert keyed.__code__.co_filename.startswith(
        "<fengqiao generated copy fengqiao.lifecycle.dispute.Dispute (summary, updated_at)"
    )


def test_two_different_sources_under_one_name_get_two_files_and_the_same_source_one() -> None:
    namespace: dict[str, object] = {}
    one = _codegen.compile_function("f", ["def f():", "    return 1"], namespace, what="test twin")
    two = _codegen.compile_function("f", ["def f():", "    return 2"], namespace, what="test twin")
    again = _codegen.compile_function("f", ["def f():", "    return 1"], namespace, what="test twin")
    assert (one(), two(), again()) == (1, 2, 1)
    names = [f.__code__.co_filename for f in (one, two, again)]
    assert names[0] == names[2] == "<fengqiao generated test twin>"
    assert names[1].startswith("<fengqiao generated test twin-")
    assert linecache.getline(names[1], 2) == "    return 2\n"
