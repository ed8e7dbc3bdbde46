"""Run every benchmark: `python -m bench [--sizes 1000,10000,100000] [--real-max 10000]
[--model DIR]` (``--model``: the second embedding model set beside MiniLM, bench/models.py)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench import cold_start, first_ask, ingest_compare, llm, models, scale, themes
from bench.common import CORPUS, OUT, QUESTIONS, cores, fmt, percentile, timer


def warm_latency(index_dir: Path) -> dict[str, Any]:
    """Warm p50/p95 of Assistant.ask on the bundled corpus, per query embedder."""
    from interview_qa.assistant import Assistant
    from interview_qa.ingest import Settings, make_embedder

    out = {}
    for backend in ("onnx", "sentence-transformers"):
        settings = Settings().with_overrides(store={"index_dir": index_dir})
        assistant = Assistant(settings, embedder=make_embedder(settings, backend))
        for q in QUESTIONS:
            assistant.ask(q)
        times = []
        for _ in range(5):
            for q in QUESTIONS:
                assistant.vectors.clear()  # embed every question again: a real "warm" ask
                with timer() as t:
                    assistant.ask(q)
                times.append(t())
        out[backend] = {
            "p50_ms": percentile(times, 50) * 1000,
            "p95_ms": percentile(times, 95) * 1000,
        }
    return out


def gpu_throughput(texts: list[str]) -> dict[str, Any] | None:
    """Embedding throughput on a CUDA device, when there is one."""
    import torch

    if not torch.cuda.is_available():
        return None
    from interview_qa.ingest import Settings, make_embedder

    settings = Settings().with_overrides(embedding={"device": "cuda"})
    embedder = make_embedder(settings, "sentence-transformers")
    embedder.embed(texts[:64])
    with timer() as t:
        embedder.embed(texts)
    return {"device": torch.cuda.get_device_name(0), "texts_per_s": len(texts) / t()}


def main() -> None:
    """Run the benchmarks, print their tables, write bench/out/."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--real-max", type=int, default=10000)
    parser.add_argument("--compare-chunks", type=int, default=1000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-ui", action="store_true")
    parser.add_argument(
        "--first-ask-chunks",
        type=int,
        default=3000,
        help="Synthetic corpus size of the first-time ask bench (without IQA_BENCH_TRANSCRIPTS).",
    )
    parser.add_argument("--skip-first-ask", action="store_true")
    parser.add_argument("--theme-chunks", type=int, default=3000)
    parser.add_argument("--only-themes", action="store_true", help="Run the themes bench only.")
    parser.add_argument("--report-only", action="store_true", help="Rewrite report.md only.")
    parser.add_argument(
        "--model", help=f"Second embedding model folder to set beside MiniLM (${models.ENV})."
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="Settings file (TOML) for the second model (eval/profiles/embeddinggemma-300m.toml).",
    )
    parser.add_argument("--skip-models", action="store_true", help="No models side by side.")
    parser.add_argument("--only-models", action="store_true", help="Models side by side only.")
    args = parser.parse_args()
    if args.report_only:
        (OUT / "report.md").write_text(report_md(json.loads((OUT / "results.json").read_text())))
        return
    from rich.console import Console
    from rich.table import Table

    from interview_qa.ingest import Settings, ingest

    console = Console()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"cores": cores()}
    if args.only_models:
        models.report(console, models.run(models.second_model(args.model), profile=args.profile))
        return
    if args.only_themes:
        results["themes"] = themes.run(args.theme_chunks)
        print_themes(console, results["themes"])
        (OUT / "themes.json").write_text(json.dumps(results, indent=2))
        console.print(f"wrote {OUT / 'themes.json'}")
        return
    work = Path(tempfile.mkdtemp(prefix="iqa-bench-"))
    try:
        index = work / "bundled"
        ingest([CORPUS], Settings().with_overrides(store={"index_dir": index}))
        console.print(f"[bold]interview-qa benchmarks[/] on {cores()} CPU cores")

        results["warm_ask"] = warm_latency(index)
        table = Table("query embedder", "warm ask p50 (ms)", "p95 (ms)", title="Bundled corpus")
        for backend, row in results["warm_ask"].items():
            table.add_row(backend, fmt(row["p50_ms"], 1), fmt(row["p95_ms"], 1))
        console.print(table)

        if not args.skip_first_ask:
            results["first_ask"] = row = first_ask.run(args.first_ask_chunks)
            print_first_ask(console, row)

        results["ingest_compare"] = cmp = ingest_compare.run(args.compare_chunks)
        table = Table(
            "pipeline",
            "documents",
            "chunks",
            "seconds",
            "chunks/s",
            "chars/s",
            title="Ingest, same documents",
        )
        for name in ("ours", "stock"):
            row = cmp[name]
            table.add_row(
                name,
                str(cmp["documents"]),
                str(row["chunks"]),
                fmt(row["seconds"], 1),
                fmt(row["chunks_per_s"], 1),
                fmt(row["chars_per_s"], 0),
            )
        console.print(table)
        console.print(
            f"chunks/s ours ÷ stock: {cmp['chunks_per_s_ratio']:.2f}; raw SentenceTransformer."
            f"encode: {cmp['raw_encode']['texts_per_s']:.1f} texts/s; our pipeline's overhead "
            f"over it: {cmp['pipeline_overhead_vs_raw'] * 100:.1f}%"
        )
        chunks_per_s = cmp["raw_encode"]["texts_per_s"]

        results["cold_start"] = cold = cold_start.run(index) if not args.skip_ui else {}
        if cold:
            table = Table("what", "torch (before)", "ONNX (after)", title="Cold start (s)")
            table.add_row(
                "interview-qa ask process",
                fmt(cold["ask_process_torch_s"]),
                fmt(cold["ask_process_onnx_s"]),
            )
            table.add_row(
                "streamlit run → first answer",
                fmt(cold["streamlit_first_answer_torch_s"]),
                fmt(cold["streamlit_first_answer_onnx_s"]),
            )
            console.print(table)

        if not args.skip_scale:
            sizes = [int(s) for s in args.sizes.split(",") if s]
            results["scale"] = rows = scale.run(sizes, args.real_max, chunks_per_s)
            table = Table(
                "chunks",
                "ingest (s)",
                "",
                "index (MB)",
                "peak RSS (MB)",
                "BM25 load (s)",
                "ask p50 (ms)",
                "ask p95 (ms)",
                title="Scale",
            )
            for r in rows:
                table.add_row(
                    str(r["chunks"]),
                    fmt(r["ingest_seconds"], 1),
                    r["ingest_note"],
                    fmt(r["index_mb"], 1),
                    fmt(r["peak_rss_mb"], 0),
                    fmt(r["bm25_load_seconds"], 2),
                    fmt(r["ask_p50_ms"], 1),
                    fmt(r["ask_p95_ms"], 1),
                )
            console.print(table)
            scale.plot(rows, OUT / "latency_vs_size.png")

        results["themes"] = themes.run(args.theme_chunks)
        print_themes(console, results["themes"])

        if not args.skip_models:
            models.report(
                console, models.run(models.second_model(args.model), profile=args.profile)
            )

        gguf = os.environ.get(llm.ENV)
        if gguf:  # llm mode with a real model: only when one is named (a measuring aid)
            results["llm"] = llm.run(Path(gguf), llm.open_questions(), index)
            llm.print_table(console, results["llm"])
            console.print(f"wrote {llm.write(results['llm'])}")
        else:
            console.print(f"llm mode: not measured (name a GGUF in {llm.ENV})")

        texts = [q * 5 for q in QUESTIONS] * 50
        results["gpu"] = gpu = gpu_throughput(texts)
        console.print(
            f"GPU embedding: {gpu['texts_per_s']:.0f} texts/s on {gpu['device']}"
            if gpu
            else "GPU embedding: no CUDA device here (the project never needs one)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    (OUT / "report.md").write_text(report_md(results))
    console.print(f"wrote {OUT / 'results.json'}, {OUT / 'report.md'}")


def print_themes(console: Any, row: dict[str, Any]) -> None:
    """The themes bench as a table."""
    from rich.table import Table

    table = Table(
        "chunks",
        "themes",
        "find_themes s (CPU s)",
        "command s (CPU s)",
        "load avg",
        "target s",
        title="Themes after ingest",
    )
    table.add_row(
        str(row["chunks"]),
        str(row["themes"]),
        f"{row['find_themes_seconds']:.2f} ({row['find_themes_cpu_seconds']:.2f})",
        f"{row['command_seconds']:.2f} ({row['command_cpu_seconds']:.2f})",
        f"{row['load_average']:.1f}",
        f"{row['target_seconds']:.0f} ({'met' if row['within_target'] else 'missed'} on wall)",
    )
    console.print(table)


def print_first_ask(console: Any, row: dict[str, Any]) -> None:
    """The first-time ask bench as a line and a table."""
    from rich.table import Table

    console.print(first_ask.note(row))
    console.print(
        f"ingest of {row['chunks']} chunks ({row['documents']} documents) with "
        f"{row['unit_texts']} unit texts stored: {row['ingest_seconds']:.1f} s, of which "
        f"units {row['units_seconds']:.1f} s ({row['ingest_note']}); load average "
        f"{row['load_average']:.1f}"
    )
    table = Table(
        "unit vectors",
        "p50 (ms)",
        "p95 (ms)",
        "max (ms)",
        "texts embedded / ask",
        "mean embed / retrieve / answer (ms)",
        title=f"First-time ask ({row['questions']} new questions, extractive, warm)",
    )
    for label in ("stored", "on_the_fly"):
        r, s = row[label], row[label]["stage_mean_ms"]
        table.add_row(
            "stored at ingest" if label == "stored" else "embedded at ask",
            fmt(r["p50_ms"], 1),
            fmt(r["p95_ms"], 1),
            fmt(r["max_ms"], 1),
            fmt(r["texts_embedded_median"], 0),
            " / ".join(fmt(s.get(k, 0.0), 1) for k in ("embed", "retrieve", "answer")),
        )
    console.print(table)


def _s(value: float | None) -> str:
    return "n/a (no Chromium)" if value is None else f"{value:.2f}"


def report_md(r: dict[str, Any]) -> str:
    """The figures as Markdown."""
    lines = [f"# interview-qa benchmarks ({r['cores']} CPU cores)", ""]
    lines += [
        "## Warm ask, bundled corpus (every question embedded anew)",
        "",
        "| query embedder | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    for backend, row in r["warm_ask"].items():
        lines.append(f"| {backend} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} |")
    if r.get("first_ask"):
        f = r["first_ask"]
        lines += [
            "",
            f"## First-time ask ({f['chunks']} chunks; {first_ask.note(f)})",
            "",
            f"Ingest with {f['unit_texts']} unit texts stored: {f['ingest_seconds']:.1f} s, of "
            f"which units {f['units_seconds']:.1f} s ({f['ingest_note']}); load average "
            f"{f['load_average']:.1f}.",
            "",
            "| unit vectors | p50 ms | p95 ms | texts embedded / ask |",
            "|---|---|---|---|",
        ]
        for label in ("stored", "on_the_fly"):
            x = f[label]
            lines.append(
                f"| {label} | {x['p50_ms']:.1f} | {x['p95_ms']:.1f} | "
                f"{x['texts_embedded_median']:.0f} |"
            )
    c = r["ingest_compare"]
    lines += [
        "",
        "## Ingest, same documents",
        "",
        "| pipeline | chunks | seconds | chunks/s |",
        "|---|---|---|---|",
    ]
    for name in ("ours", "stock"):
        lines.append(
            f"| {name} | {c[name]['chunks']} | {c[name]['seconds']:.1f} | "
            f"{c[name]['chunks_per_s']:.1f} |"
        )
    lines += [
        "",
        f"Ratio ours/stock chunks/s: {c['chunks_per_s_ratio']:.2f}. Raw encoder: "
        f"{c['raw_encode']['texts_per_s']:.1f} texts/s; our overhead: "
        f"{c['pipeline_overhead_vs_raw'] * 100:.1f}%.",
    ]
    if r.get("cold_start"):
        cs = r["cold_start"]
        lines += [
            "",
            "## Cold start (s)",
            "",
            "| what | torch | ONNX |",
            "|---|---|---|",
            f"| ask process | {cs['ask_process_torch_s']:.2f} | {cs['ask_process_onnx_s']:.2f} |",
            f"| streamlit → first answer | {_s(cs['streamlit_first_answer_torch_s'])} | "
            f"{_s(cs['streamlit_first_answer_onnx_s'])} |",
        ]
    if r.get("scale"):
        lines += [
            "",
            "## Scale (ask: the same 10 questions again, caches warm)",
            "",
            "| chunks | ingest s | note | index MB | peak RSS MB | BM25 load s | p50 ms | p95 ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in r["scale"]:
            lines.append(
                f"| {s['chunks']} | {s['ingest_seconds']:.1f} | {s['ingest_note']} | "
                f"{s['index_mb']:.1f} | {s['peak_rss_mb']:.0f} | "
                f"{s['bm25_load_seconds']:.2f} | {s['ask_p50_ms']:.1f} | "
                f"{s['ask_p95_ms']:.1f} |"
            )
        lines += ["", "![latency against size](latency_vs_size.png)"]
    if r.get("themes"):
        t = r["themes"]
        lines += [
            "",
            "## Themes after ingest (no re-embedding)",
            "",
            "| chunks | themes | find_themes s (CPU s) | command s (CPU s) | load avg | target s |",
            "|---|---|---|---|---|---|",
            f"| {t['chunks']} | {t['themes']} | {t['find_themes_seconds']:.2f} "
            f"({t['find_themes_cpu_seconds']:.2f}) | {t['command_seconds']:.2f} "
            f"({t['command_cpu_seconds']:.2f}) | {t['load_average']:.1f} | "
            f"{t['target_seconds']:.0f} |",
        ]
    if r.get("llm"):
        x = r["llm"]["summary"]
        lines += [
            "",
            f"## llm mode, {r['llm']['model']} ({x['questions']} open questions)",
            "",
            f"Model prose in {x['prose']} of {x['answerable']} answerable answers "
            f"({x['extractive_answers']} answered by extractive mode); sentences shown "
            f"{x['shown']}, dropped {x['dropped']}, cited by the system {x['cited_by_system']}, "
            f"unsupported {x['judge_rejected']}; {x['seconds_mean']:.1f} s per answer "
            f"(max {x['seconds_max']:.1f}).",
        ]
    lines += ["", f"GPU: {r['gpu'] or 'no CUDA device'}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
