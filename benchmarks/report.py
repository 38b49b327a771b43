"""Markdown tables and the chart for benchmark results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def _prefetch(r: dict[str, Any]) -> str:
    base = r["variants"]["prefetch=0"]["median_s"]
    rows = [
        f"Listing {r['calls']:,} calls, {r['size']} per page, latency {r['latency_ms']:g} ms, "
        f"consumer awaits {r['cost_ms']:g} ms per page; median of {r['runs']} interleaved "
        f"runs. Ideal = pages x max(latency, consumer) = {r['ideal_s']:.2f} s.",
        "",
        "| variant | median s | items/s | x ideal | speed-up vs prefetch=0 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, v in r["variants"].items():
        rows.append(
            f"| {name} | {v['median_s']:.2f} | {v['items_per_s']:,.0f} | "
            f"{v['ratio_to_ideal']:.3f} | {base / v['median_s']:.2f}x |"
        )
    return "\n".join(rows)


def _listing(cells: list[dict[str, Any]]) -> str:
    first = cells[0]
    rows = [
        f"Listing {first['calls']:,} calls, {first['size']} per page; median of "
        f"{first['runs']} interleaved runs; items/s, and (ratio) vs the official SDK. "
        "Ideal = pages x max(latency, consumer); prefetch=4's own bound is pages x latency / 4.",
        "",
        "| latency | consumer | official SDK | raw aiohttp | prefetch=0 | prefetch=1 | "
        "prefetch=4 | prefetch=1 x ideal |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        v = c["variants"]
        off = v["official SDK"]["items_per_s"]
        cols = [
            f"{v[n]['items_per_s']:,.0f} ({v[n]['items_per_s'] / off:.2f}x)"
            for n in ("official SDK", "raw aiohttp", "prefetch=0", "prefetch=1", "prefetch=4")
        ]
        ideal = v["prefetch=1"]["ratio_to_ideal"]
        ideal_text = f"{ideal:.3f}" if ideal else "-"
        consumer = "none" if c["consumer"] == "none" else f"{c['consumer']} {c['cost_ms']:g} ms"
        rows.append(
            f"| {c['latency_ms']:g} ms | {consumer} | " + " | ".join(cols) + f" | {ideal_text} |"
        )
    return "\n".join(rows)


def _simple(key: str, unit: str) -> Callable[[dict[str, Any]], str]:
    def table(r: dict[str, Any]) -> str:
        names = list(r["variants"])
        base = r["variants"][names[-1]][key]
        rows = [f"| variant | {unit} | ratio to {names[-1]} |", "|---|---:|---:|"]
        for name in names:
            value = r["variants"][name][key]
            rows.append(f"| {name} | {value:,.1f} | {value / base:.2f}x |")
        return "\n".join(rows)

    return table


def _memory(r: dict[str, Any]) -> str:
    rows = [
        f"Peak RSS of a fresh process streaming {r['small']:,} vs {r['large']:,} calls.",
        "",
        f"| variant | RSS at {r['small']:,} MiB | RSS at {r['large']:,} MiB | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, v in r["variants"].items():
        rows.append(
            f"| {name} | {v['rss_small_mib']:.1f} | {v['rss_large_mib']:.1f} | {v['ratio']:.3f} |"
        )
    return "\n".join(rows)


def _fanout_rows(variants: dict[str, Any], label: str) -> list[str]:
    return [
        f"| {label} | {name} | {v['median_s']:.2f} | {v['items_per_s']:,.0f} | "
        f"{v['ratio_to_prefetch0']:.2f}x | {v['extra_requests_median']:g} "
        f"(max {v['extra_requests_max']}) | {v['refetched_median']:g} | "
        f"{v['missing_max']} | {v['twice_max']} |"
        for name, v in variants.items()
    ]


_FANOUT_HEAD = [
    "| totals | variant | median s | items/s | time vs prefetch=0 | extra requests | "
    "re-fetched | missing (max) | twice (max) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
]


def _fanout_table(intro: str, r: dict[str, Any], groups: dict[str, str]) -> str:
    """``intro``, then one block of fan-out rows per ``groups`` key (labelled by its value)."""
    rows = [intro, "", *_FANOUT_HEAD]
    for key, label in groups.items():
        rows += _fanout_rows(r[key], label)
    return "\n".join(rows)


def _estimated(r: dict[str, Any]) -> str:
    intro = (
        f"Listing {r['calls']:,} calls, {r['size']} per page, latency {r['latency_ms']} ms, "
        f"`total` an estimate (x1: right, x10: ten times too high); median of {r['runs']} "
        "interleaved runs. Extra requests: beyond the pages that exist."
    )
    return _fanout_table(intro, r, {"x1": "estimate x1", "x10": "estimate x10"})


def _drift(r: dict[str, Any]) -> str:
    intro = (
        f"Listing {r['calls']:,} calls newest first, {r['size']} per page; every request "
        "inserts 3 calls at the head, waits 0-30 ms before its snapshot (answers out of "
        f"order), every 7th answers 503 once; median of {r['runs']} interleaved runs. Extra "
        "requests: beyond one per page that existed at the start (inserted calls add pages)."
    )
    return _fanout_table(intro, r, {"exact": "exact", "estimated": "estimated"})


def _cpu(r: dict[str, Any]) -> str:
    raw = r["variants"]["raw aiohttp"]["items_per_s"]
    rows = [
        f"Listing {r['calls']:,} calls at 0 ms latency, no consumer; median of {r['runs']} "
        "interleaved runs (strict typed decoding). Client CPU: this process's CPU time per",
        "listed call (the server runs in its own process; prefetch overlaps the two, so the",
        "items/s of prefetch=1 needs a second idle core).",
        "",
        "| variant | items/s | ratio to raw aiohttp + orjson dicts | client CPU per call |",
        "|---|---:|---:|---:|",
    ]
    for name, v in r["variants"].items():
        cpu = v.get("client_cpu_us_per_item")
        rows.append(
            f"| {name} | {v['items_per_s']:,.0f} | {v['items_per_s'] / raw:.2f}x | "
            + (f"{cpu:.1f} us |" if cpu is not None else "- |")
        )
    return "\n".join(rows)


def _sync(r: dict[str, Any]) -> str:
    rows = [
        "Listing through the blocking `Vocode` (a `for` loop) against `AsyncVocode` "
        "(`async for`), 100 per page, same prefetch; medians of interleaved runs.",
        "",
        "| latency | calls | prefetch | AsyncVocode items/s | Vocode items/s | Vocode / async |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for c in r["listing"]:
        v = c["variants"]
        rows.append(
            f"| {c['latency_ms']:g} ms | {c['calls']:,} | {c['prefetch']} | "
            f"{v['AsyncVocode']['items_per_s']:,.0f} | {v['Vocode']['items_per_s']:,.0f} | "
            f"{c['sync_vs_async']:.2f}x |"
        )
    rows += [
        "",
        "32 threads doing `calls.get` through one shared client; requests/s, medians.",
        "",
        "| latency | requests | Vocode | official SDK (sync) | Vocode / official |",
        "|---:|---:|---:|---:|---:|",
    ]
    for c in r["threads"]:
        ours = c["variants"]["Vocode"]["requests_per_s"]
        theirs = c["variants"]["official SDK (sync)"]["requests_per_s"]
        rows.append(
            f"| {c['latency_ms']:g} ms | {c['requests']:,} | {ours:,.0f} | {theirs:,.0f} | "
            f"{ours / theirs:.2f}x |"
        )
    return "\n".join(rows)


def _auto(r: dict[str, Any]) -> str:
    """The default against fixed depths, a row a cell; the targets of issue 20 checked."""
    fixed = ["1", "4", "8", "16", "32"]
    rows = [
        f"{SIZE_NOTE.format(size=r['size'], slow=r['slow_ms_per_item'])}",
        "",
        "| delay | consumer | totals | server | calls | auto items/s | auto vs best fixed | "
        "auto vs 1 | 1 | 4 | 8 | 16 | 32 | auto depth (max) | in flight at the server "
        "(auto / 32) | refusals per 100 pages (auto / 4 / 32) |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in r["cells"]:
        v = c["variants"]
        auto = v["auto"]["items_per_s"]
        if c["cap"] is None:
            eligible = fixed
            server = "uncapped"
        else:
            eligible = [n for n in fixed if v[n]["refused_max"] == 0]
            ra = c.get("retry_after")
            server = f"429 above {c['cap']}" + (f", Retry-After: {ra}" if ra else "")
        best = max(eligible, key=lambda n: v[n]["items_per_s"])
        cols = " | ".join(f"{v[n]['items_per_s']:,.0f}" for n in fixed)
        rows.append(
            f"| {c['delay_ms']} ms | {c['consumer']} | {c['totals']} | {server} | "
            f"{c['calls']:,} | {auto:,.0f} | {auto / v[best]['items_per_s']:.2f}x (of {best}) | "
            f"{auto / v['1']['items_per_s']:.2f}x | {cols} | {v['auto']['depth_max']} | "
            f"{v['auto']['peak_max']} / {v['32']['peak_max']} | "
            f"{v['auto']['refused_per_100_pages']:.1f} / {v['4']['refused_per_100_pages']:.1f} / "
            f"{v['32']['refused_per_100_pages']:.1f} |"
        )
    for c in r["cells"]:
        if "official SDK" in c["variants"]:
            v = c["variants"]
            ratio = v["auto"]["items_per_s"] / v["official SDK"]["items_per_s"]
            rows += [
                "",
                f"Official SDK (`vocode-api`, a `list_calls` page loop) at {c['delay_ms']} ms, "
                f"fast consumer, exact totals: {v['official SDK']['items_per_s']:,.0f} items/s; "
                f"the default: {v['auto']['items_per_s']:,.0f} items/s = **{ratio:.2f}x**.",
            ]
    return "\n".join(rows)


SIZE_NOTE = (
    "{size} calls a page; medians of interleaved runs (items/s); a slow consumer awaits "
    "{slow:g} ms an item, once a page. Best fixed: the fastest of 1/4/8/16/32 (against the "
    "capped server, of those never refused). In flight: the most requests the server held at "
    "once in any run."
)


tables: dict[str, Callable[[Any], str]] = {
    "estimated": _estimated,
    "drift": _drift,
    "cpu": _cpu,
    "prefetch": _prefetch,
    "listing": _listing,
    "decode": _simple("items_per_s", "items/s"),
    "memory": _memory,
    "overhead": _simple("requests_per_s", "requests/s"),
    "import": _simple("median_ms", "ms"),
    "fake": _simple("pages_per_s", "100-item pages/s served"),
    "sync": _sync,
    "auto": _auto,
}


def chart(cells: list[dict[str, Any]], path: Path) -> None:
    """Grouped bars: items/s per variant for each latency x consumer cell."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    names = list(cells[0]["variants"])
    labels = [f"{c['latency_ms']:g}ms/{c['consumer']}" for c in cells]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(12, 5))
    for i, name in enumerate(names):
        xs = [j + i * width for j in range(len(cells))]
        ax.bar(xs, [c["variants"][name]["items_per_s"] for c in cells], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cells))], labels, rotation=30)
    ax.set_ylabel("items/s (higher is better)")
    ax.set_yscale("log")
    ax.set_title("Listing calls: latency / consumer cost per page")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
