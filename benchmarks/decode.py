"""Scenario: decode one 100-item page many times: orjson alone, ours, the official SDK's."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from vocode_async._converter import Decoder
from vocode_async.models import NormalizedCall, Page
from vocode_async.testing import Store


def page_body(items: int = 100) -> bytes:
    store = Store(calls=items, seed=11)
    return orjson.dumps(
        {
            "items": [store.normalized(call) for call in store.calls],
            "page": 1,
            "size": items,
            "has_more": True,
            "total": 10 * items,
            "total_is_estimated": False,
        }
    )


def _variants(body: bytes) -> dict[str, Callable[[], Any]]:
    decoder = Decoder()
    variants: dict[str, Callable[[], Any]] = {
        "orjson only": lambda: orjson.loads(body),
        "vocode_async": lambda: decoder.decode(
            body, Page[NormalizedCall], status=200, content_type="application/json"
        ),
    }
    try:
        from vocode.core.pydantic_utilities import parse_obj_as
        from vocode.types.call_page import CallPage
    except ImportError:
        return variants
    variants["official SDK"] = lambda: parse_obj_as(type_=CallPage, object_=orjson.loads(body))
    return variants


def measure(*, repeats: int = 2000, runs: int = 5) -> dict[str, Any]:
    body = page_body()
    variants = _variants(body)
    for fn in variants.values():
        fn()  # warm up (hooks generated, imports done)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, fn in variants.items():
            start = time.perf_counter()
            for _ in range(repeats):
                fn()
            samples[name].append(time.perf_counter() - start)
    out: dict[str, Any] = {"repeats": repeats, "runs": runs, "items_per_page": 100, "variants": {}}
    for name, values in samples.items():
        median = statistics.median(values)
        out["variants"][name] = {"median_s": median, "items_per_s": repeats * 100 / median}
    return out
