"""portal.collector.paused: the cycle collector is off inside and as it was after."""

from __future__ import annotations

import gc

import pytest

from portal import collector


@pytest.mark.parametrize("before", [True, False])
def test_paused_restores_the_collector_as_it_was(before: bool) -> None:
    was = gc.isenabled()
    (gc.enable if before else gc.disable)()
    try:
        with pytest.raises(RuntimeError), collector.paused():
            assert not gc.isenabled()
            raise RuntimeError("the block fails")
        assert gc.isenabled() is before
    finally:
        (gc.enable if was else gc.disable)()
