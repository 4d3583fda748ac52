"""The suite runs without warnings, and our own deprecated code fails it (pyproject.toml)."""

from __future__ import annotations

import warnings

import pytest


def test_a_deprecation_warning_raised_by_our_own_code_fails_the_test() -> None:
    with pytest.raises(DeprecationWarning, match="old API"):
        warnings.warn("old API", DeprecationWarning, stacklevel=1)


def test_a_pending_deprecation_warning_raised_by_our_own_code_fails_the_test() -> None:
    with pytest.raises(PendingDeprecationWarning, match="soon gone"):
        warnings.warn("soon gone", PendingDeprecationWarning, stacklevel=1)
