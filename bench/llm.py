"""llm mode with a real model that can write: the bundled eval set's ``open`` questions asked in
`llm` mode of a GGUF served by llama.cpp's OpenAI-compatible server on 127.0.0.1, as a user
would configure it (``IQA_LLM__PROVIDER=openai-like``; ``llm.max_tokens`` as in the settings).

It reports how many answers show the model's prose (of the answerable questions, and of those
extractive mode answers: llm mode declines exactly where extractive mode does), the model's
sentences shown, dropped, cited by the system and empty (citations or the question only), the
sentences the support judge rejected, seconds per answer, and for reading by hand every shown
sentence beside the passage it cites (with a lexical cross-check: shown sentences sharing less
than half their content words with that passage are listed as ``lexical_flags``).

The model is a measuring aid, never a dependency: name it in ``IQA_BENCH_LLM_GGUF`` (``make
bench`` runs this part only then), e.g. Qwen2.5-Coder-1.5B-Instruct Q4_K_M. Run alone:
``python -m bench.llm [--gguf FILE] [--ids o01-pick-work,o02-hard] [--index DIR]``; writes
``bench/out/llm.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import CORPUS, OUT, ROOT, cores
from bench.llama_server import LlamaServer

ENV = "IQA_BENCH_LLM_GGUF"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
#: Shown sentences sharing less than this share of content words with their passage are listed
#: for reading (a cross-check of the support judge, not a verdict).
LEXICAL_FLAG = 0.5


def open_questions(ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The ``open`` questions of the bundled eval set (only ``ids``, when given)."""
    rows = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if r.get("category") == "open"]
    return [r for r in rows if ids is None or r["id"] in ids]


def _sentences(answer: Any) -> list[dict[str, Any]]:
    """Every sentence of the model's answer with its verdict and the text of the passages it
    cites (after the system's citing), and for a shown one its lexical recall there."""
    from interview_qa.assistant.llm_check import bare_statement
    from interview_qa.assistant.support import lexical_recall

    verification = answer.verification
    if verification is None:
        return []
    by_number = {p.number: p for p in answer.passages}
    out = []
    for s in verification.statements:
        row: dict[str, Any] = {
            "text": s.text,
            "status": s.status,
            "cited_by": s.cited_by,
            "citations": s.citations,
            "score": s.score,
        }
        cited = [by_number[n] for n in s.citations if n in by_number]
        # Every cited passage is kept, dropped sentences' too: the pairs are read by hand (and
        # labelled ones become the judge's ``llm`` split, eval/judge_pairs.jsonl).
        row["passages"] = [f"[{p.number}] {p.initials}: {p.text}" for p in cited]
        if s.verified:
            row["shown"] = s.shown
            bare = bare_statement(s.text)
            row["lexical"] = max((lexical_recall(bare, p.text) for p in cited), default=0.0)
        out.append(row)
    return out


def ask_all(assistant: Any, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question asked in extractive mode (its decision), then in llm mode (timed)."""
    rows = []
    for q in questions:
        plain = assistant.ask(q["question"])
        started = time.perf_counter()
        answer = assistant.ask(q["question"], mode="llm")
        seconds = time.perf_counter() - started
        v = answer.verification
        rows.append(
            {
                "id": q["id"],
                "question": q["question"],
                "answerable": bool(q.get("answerable", True)),
                "extractive_answers": not plain.abstained,
                "abstained": answer.abstained,
                "prose": answer.mode == "llm" and not answer.abstained,
                "seconds": seconds,
                "tokens": v.tokens if v else 0,
                "generation_seconds": v.seconds if v else 0.0,
                "stop_reason": v.stop_reason if v else None,
                "draft": v.draft if v else "",
                "notes": answer.notes,
                "text": answer.text,
                "sentences": _sentences(answer),
            }
        )
        print(
            f"  {q['id']}: {seconds:.1f} s, {'prose' if rows[-1]['prose'] else answer.mode}",
            flush=True,
        )
    return rows


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The bench's figures over the answers."""
    answerable = [r for r in rows if r["answerable"]]
    covered = [r for r in rows if r["extractive_answers"]]
    asked = [r for r in rows if r["tokens"]]
    sentences = [s for r in rows for s in r["sentences"]]
    statuses = Counter(s["status"] for s in sentences)
    shown = [s for s in sentences if s["status"] == "supported"]
    seconds = [r["seconds"] for r in asked]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "extractive_answers": len(covered),
        "prose": sum(r["prose"] for r in rows),
        "prose_share_answerable": _share(sum(r["prose"] for r in answerable), len(answerable)),
        "prose_share_covered": _share(sum(r["prose"] for r in covered), len(covered)),
        "declined": sum(r["abstained"] for r in rows),
        "sentences": len(sentences),
        "shown": len(shown),
        "dropped": len(sentences) - len(shown),
        "cited_by_system": sum(s["cited_by"] == "system" for s in shown),
        # Rejected by the support judge or the paraphrase rules, against every passage sent.
        "judge_rejected": statuses["unsupported"],
        "statuses": dict(statuses),
        "lexical_flags": [s["shown"] for s in shown if s["lexical"] < LEXICAL_FLAG],
        "seconds_mean": statistics.mean(seconds) if seconds else None,
        "seconds_max": max(seconds) if seconds else None,
        "tokens_mean": statistics.mean(r["tokens"] for r in asked) if asked else None,
        "stop_reasons": dict(Counter(r["stop_reason"] for r in asked)),
    }


def _share(n: int, total: int) -> float | None:
    return n / total if total else None


def run(
    gguf: Path,
    questions: list[dict[str, Any]],
    index_dir: Path | None = None,
    *,
    n_threads: int = 2,
    n_ctx: int = 4096,
) -> dict[str, Any]:
    """Serve ``gguf`` and ask ``questions`` in llm mode over the index in ``index_dir`` (the
    bundled corpus ingested into a temporary folder when None)."""
    from interview_qa.assistant import Assistant
    from interview_qa.ingest import Settings, ingest

    work = Path(tempfile.mkdtemp(prefix="iqa-bench-llm-"))
    try:
        if index_dir is None:
            index_dir = work / "index"
            ingest([CORPUS], Settings().with_overrides(store={"index_dir": index_dir}))
        server = LlamaServer(gguf, work / "server.log", n_threads=n_threads, n_ctx=n_ctx)
        with server:
            settings = Settings().with_overrides(
                store={"index_dir": index_dir}, llm=server.llm_settings()
            )
            rows = ask_all(Assistant(settings), questions)
        timings = server_timings(server.log.read_text(errors="replace"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "model": gguf.name,
        "cores": cores(),
        "n_threads": n_threads,
        "n_ctx": n_ctx,
        "max_tokens": settings.llm.max_tokens,
        "load_average": os.getloadavg()[0],
        "summary": summarize(rows),
        "server": timings,
        "answers": rows,
    }


_PERF = re.compile(r"(prompt eval|\beval) time =\s*([\d.]+) ms /\s*(\d+) (?:tokens|runs)")


def server_timings(log: str) -> dict[str, Any]:
    """llama.cpp's own timings of the requests it served: prompt and generated tokens, and
    their rates (tokens per second), summed over the requests."""
    sums = {"prompt eval": [0.0, 0], "eval": [0.0, 0]}
    requests = 0
    for m in _PERF.finditer(log):
        kind = m.group(1)
        sums[kind][0] += float(m.group(2))
        sums[kind][1] += int(m.group(3))
        requests += kind == "eval"
    (p_ms, p_tokens), (g_ms, g_tokens) = sums["prompt eval"], sums["eval"]
    return {
        "requests": requests,
        "prompt_tokens": p_tokens,
        "prompt_tokens_per_s": p_tokens / p_ms * 1000 if p_ms else None,
        "generated_tokens": g_tokens,
        "generated_tokens_per_s": g_tokens / g_ms * 1000 if g_ms else None,
    }


def print_table(console: Any, result: dict[str, Any]) -> None:
    """The bench's summary as a table."""
    from rich.table import Table

    s = result["summary"]
    table = Table("figure", "value", title=f"llm mode, {result['model']} ({s['questions']} open)")

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.0%}"

    table.add_row(
        "answers showing model prose",
        f"{s['prose']} of {s['answerable']} answerable ({pct(s['prose_share_answerable'])}); "
        f"of {s['extractive_answers']} extractive answers: {pct(s['prose_share_covered'])}",
    )
    table.add_row("declined (as in extractive mode)", str(s["declined"]))
    table.add_row(
        "sentences shown / dropped",
        f"{s['shown']} / {s['dropped']} of {s['sentences']} ({s['statuses']})",
    )
    table.add_row("shown sentences cited by the system", str(s["cited_by_system"]))
    table.add_row("unsupported by any passage sent", str(s["judge_rejected"]))
    table.add_row("shown, lexically weak (read them)", str(len(s["lexical_flags"])))
    mean, top = s["seconds_mean"], s["seconds_max"]
    table.add_row(
        "seconds per answer (mean / max)",
        "n/a" if mean is None else f"{mean:.1f} / {top:.1f} on {result['n_threads']} threads",
    )
    table.add_row("tokens per answer (mean)", f"{s['tokens_mean'] or 0:.0f}; {s['stop_reasons']}")
    server = result["server"]
    if server["requests"]:
        table.add_row(
            "llama.cpp: prompt / generated tokens",
            f"{server['prompt_tokens']} at {server['prompt_tokens_per_s']:.0f}/s / "
            f"{server['generated_tokens']} at {server['generated_tokens_per_s']:.1f}/s "
            f"({server['requests']} requests)",
        )
    table.add_row("load average at the end", f"{result['load_average']:.1f}")
    console.print(table)


def write(result: dict[str, Any]) -> Path:
    """Write the result to ``bench/out/llm.json``; return its path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "llm.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def main() -> None:
    """``python -m bench.llm``: this bench alone."""
    from rich.console import Console

    parser = argparse.ArgumentParser(prog="python -m bench.llm")
    parser.add_argument("--gguf", type=Path, default=os.environ.get(ENV) or None)
    parser.add_argument("--ids", default="", help="Comma-separated question ids (default: all).")
    parser.add_argument("--index", type=Path, default=None, help="An index of the corpus.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ctx", type=int, default=4096)
    args = parser.parse_args()
    if args.gguf is None:
        parser.error(f"name a GGUF with --gguf or {ENV}")
    ids = [i for i in args.ids.split(",") if i] or None
    result = run(args.gguf, open_questions(ids), args.index, n_threads=args.threads, n_ctx=args.ctx)
    console = Console()
    print_table(console, result)
    console.print(f"wrote {write(result)}")


if __name__ == "__main__":
    main()
