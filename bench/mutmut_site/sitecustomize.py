"""Adjustments to mutmut for this project, loaded by every Python process of a
mutation run (bench/mutation.py puts this folder on PYTHONPATH and sets
PUSKESOS_MUTATION_RUN), including the subprocesses that the CLI tests start.
Outside a mutation run this file does nothing.
"""

import os
import sys
from functools import lru_cache
from pathlib import Path


def translated_calls_are_not_mutated() -> None:
    from mutmut.mutation import file_mutation
    file_mutation.NEVER_MUTATE_FUNCTION_CALLS.update({"_", "ngettext", "N_"})


def near_tests_only() -> None:
    """mutmut's max_stack_depth walk fails on frames that are not files (a function
    run while a module is being imported has '<frozen importlib._bootstrap>' below
    it); this walk counts the program's frames up to the test the same way and
    skips such frames."""
    from mutmut import stats
    from mutmut.configuration import config
    from mutmut.mutation import trampoline
    original = stats.record_trampoline_hit

    @lru_cache(maxsize=None)
    def in_program(filename: str) -> bool:
        if filename.startswith("<"):
            return False
        parents = Path(filename).resolve().parents
        return any(root in parents for root in config().resolved_mutated_source_paths)

    def record(name: str, caller: str | None = None) -> None:
        limit = config().max_stack_depth
        if limit != -1:
            frame, budget = sys._getframe(1), limit
            while budget and frame is not None:
                filename = frame.f_code.co_filename
                frame = frame.f_back
                if "pytest" in filename:
                    break  # reached the test runner: the test is near enough
                if in_program(filename):
                    budget -= 1
            if not budget:
                return
        stats.state()._stats.add(name)
        if caller is not None and config().track_dependencies:
            stats.state().function_dependencies[name].add(caller)

    if original.__module__ == stats.__name__:
        trampoline.record_trampoline_hit = record

if os.environ.get("PUSKESOS_MUTATION_RUN") == "1":
    try:
        translated_calls_are_not_mutated()
        near_tests_only()
    except ImportError:  # mutmut is not installed in this interpreter
        pass
