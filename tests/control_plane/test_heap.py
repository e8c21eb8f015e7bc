"""The server's full garbage collections leave out what it built as it started (docs/benchmarks.md, third round:
a full collection over the whole heap stopped the event loop for 120 to 250 ms under load)."""

from __future__ import annotations

import gc

from control_plane.app import create_app, freeze_heap, served_app


def test_the_served_app_freezes_what_it_built_once_started(settings):
    assert freeze_heap in served_app(settings).on_startup
    assert freeze_heap not in create_app(settings).on_startup  # tests build many apps in one process


def test_a_frozen_heap_is_out_of_the_full_collections(settings):
    app = served_app(settings)
    try:
        freeze_heap()
        assert gc.get_freeze_count() > 0
        assert not any(o is app for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
    assert any(o is app for o in gc.get_objects(generation=2))
