"""Themes: clustering of the interviewees' passages on the index's own vectors, labels from the
corpus's words, verified quotes by initials, the speaker × theme matrix; the ``themes`` command
and its files; the eval's themes report; ``verify-summary --themes``; the Themes and Speakers
pages (AppTest). Every file written is under tmp_path."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from interview_qa.assistant import (
    ThemeError,
    ThemeReport,
    Unit,
    cluster,
    find_themes,
    find_verbatim,
    parse_theme_count,
    prompts,
)
from interview_qa.eval.summary_themes import relate_summary
from interview_qa.ingest import Index, Settings

from .conftest import CORPUS, make_settings

SPEAKERS = {"S.", "G.", "P.", "T.", "N.", "F."}
COOKING = """\
Interviewer: What do you do on weekends?

Alice Martin: I make fresh pasta every Sunday, with flour, eggs and a little olive oil.

Interviewer: And the sauce?

Alice Martin: A slow tomato sauce with garlic and basil simmers for hours while the pasta dries.

Interviewer: Do you cook too?

Bruno Keller: I bake sourdough bread and cook pasta with a tomato and basil sauce for friends.

Interviewer: What is your favourite dish?

Bruno Keller: Fresh pasta with tomato sauce, garlic, basil and olive oil, cooked in the oven.
"""


# ---- clustering and labels, no model --------------------------------------------------------


def blobs(per: int = 6, groups: int = 3, dim: int = 32, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim)) * 4
    x = np.vstack([c + rng.normal(scale=0.3, size=(per, dim)) for c in centres])
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_cluster_finds_separated_groups_and_is_deterministic() -> None:
    x = blobs()
    owners = [f"P{i % 4}" for i in range(len(x))]
    labels, silhouette, candidates = cluster(x, None, owners=owners)
    assert len(set(labels.tolist())) == 3
    assert silhouette is not None and silhouette == max(candidates.values())
    # Each group is one theme.
    assert all(len(set(labels[i : i + 6].tolist())) == 1 for i in range(0, 18, 6))
    again, _, _ = cluster(x.copy(), None, owners=owners)
    assert again.tolist() == labels.tolist()
    asked, _, by_k = cluster(x, 5, owners=owners)
    assert len(set(asked.tolist())) == 5 and by_k == {}


def test_silhouette_matches_scikit_learn() -> None:
    from sklearn.metrics import silhouette_score

    from interview_qa.assistant.theme_clusters import silhouette

    x = blobs(per=10, groups=4, dim=16, seed=5)
    distances = np.clip(1.0 - x @ x.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    rng = np.random.default_rng(1)
    for labels in (np.repeat(np.arange(4), 10), rng.integers(0, 5, 40), np.r_[0, np.ones(39)]):
        labels = labels.astype(np.int64)
        k = int(labels.max()) + 1
        ours = silhouette(distances.astype(np.float32), labels, k)
        assert ours == pytest.approx(
            silhouette_score(distances, labels, metric="precomputed"), abs=1e-5
        )


def test_theme_count_option() -> None:
    assert parse_theme_count("auto") is None and parse_theme_count(None) is None
    assert parse_theme_count("7") == 7
    for bad in ("0", "many", "51"):
        with pytest.raises(ThemeError):
            parse_theme_count(bad)


@pytest.mark.parametrize(
    ("heading", "label"),
    [
        ("Prioritizing Tasks", "Prioritizing Tasks"),
        ("Take Care of Your Mental Health", "Take Care of Your Mental Health"),
        ("How do you plan your week?", "Planning your week"),
        ("So how did you fix on-call at Fernwood?", "Fixing on-call at Fernwood"),
        ("What makes a good code review?", "Good code review"),
        ("Welcome to the show. Can you tell us a little about your team?", "Your team"),
        ("Tell us about your current role: where do you work?", "Your current role"),
        ("What is the hardest part of your job?", "Hardest part of your job"),
        ("What do you think about remote work?", "Remote work"),
        ("Do you ever get stuck?", "Getting stuck"),
        ("And the sauce?", "Sauce"),
        ("Let's talk about hiring.", "Hiring"),
        ("What surprised you the most?", None),
        ("Thanks for having me.", None),
        ("", None),
    ],
)
def test_headings_become_label_phrases(heading: str, label: str | None) -> None:
    from interview_qa.assistant.theme_labels import heading_label

    assert heading_label(heading) == label


def test_gerunds_and_key_phrases() -> None:
    from interview_qa.assistant.theme_labels import gerund, key_phrase

    assert [gerund(v) for v in ("plan", "make", "lie", "visit", "fix", "see")] == [
        "planning",
        "making",
        "lying",
        "visiting",
        "fixing",
        "seeing",
    ]
    weights = {"perceiv scope": 0.4, "scope": 0.2, "opportun": 0.2}
    text = "Don't shy away from opportunities outside your perceived scope."
    assert key_phrase(text, weights) == "Perceived scope"
    assert key_phrase(text, {"opportun": 1.0, "scope": 1.0}) == (
        "Opportunities outside your perceived scope"
    )
    # Never across a comma, never from or to a stop word.
    assert key_phrase("Yes, and the pasta, it dries.", {"pasta": 1.0}) is None
    assert key_phrase("I make fresh pasta every Sunday.", {"pasta": 1.0}) == "Fresh pasta"


def unit(id_: str, question: str, text: str = "words", similarity: float = 0.5) -> Unit:
    return Unit(id_, text, {"question": question, "section": ""}, "A.", similarity=similarity)


def test_labels_are_distinct_and_never_bags_of_words() -> None:
    from interview_qa.assistant.theme_labels import theme_labels

    members = {
        # Two themes answer "How do you plan your week?" twice: it labels the one where it is
        # the more distinctive (here: more central), the other takes its next heading.
        1: [unit("a", "How do you plan your week?", similarity=0.9)] * 2
        + [unit("b", "Prioritizing Tasks")] * 2,
        2: [unit("c", "How do you plan your week?", similarity=0.4)] * 2,
        # No heading recurs: the key phrase of the most central passage.
        3: [
            unit("d", "What surprised you?", "Small pull requests win.", 0.9),
            unit("e", "Why?", "Reviews take time."),
        ],
        # Nothing to go on at all.
        4: [unit("f", "", "Yes, yes.")],
    }
    weights = {3: {"pull": 0.5, "request": 0.5, "pull request": 1.0}}
    labels = theme_labels(members, weights)
    assert labels == {
        1: "Prioritizing Tasks",
        2: "Planning your week",
        3: "Pull requests",
        4: prompts.THEMES_LABEL_FALLBACK.format(id=4),
    }


def test_speaker_filter_reads_names_as_ask_does(team_settings: Settings) -> None:
    """``--speaker Mike`` (a first name), ``mcquaid``, ``m.m.`` and the full label all mean
    Mike McQuaid, as ``ask --speaker`` reads them."""
    index = Index(team_settings)
    for name in ("Mike", "mcquaid", "m.m.", "Mike McQuaid"):
        report = find_themes(index, speakers=[name], n_themes=2)
        assert {u.meta["speaker"] for u in report.units} == {"Mike McQuaid"}, name
    both = find_themes(index, speakers=["Mike", "Anna"], n_themes=2)
    assert {u.initials for u in both.units} == {"M.M.", "A.B."}
    # The interviewer is no interviewee to filter on.
    for name in ("Zed", "Interviewer"):
        with pytest.raises(ThemeError, match=f"No speaker {name} among the interviewees"):
            find_themes(index, speakers=[name])


def test_themes_command_takes_a_first_name(
    team_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    monkeypatch.setenv("IQA_EMBEDDING__BACKEND", "hash")
    out = tmp_path / "themes"
    index = str(team_settings.store.index_dir)
    done = CliRunner().invoke(
        app, ["themes", "--index", index, "--speaker", "Mike", "--themes", "2", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    data = json.loads((out / "themes.json").read_text(encoding="utf-8"))
    assert data["matrix"]["speakers"] == ["M.M."]


class LengthScorer:
    """A stand-in cross-encoder: the longer the passage, the more relevant; records its pairs."""

    name = "length-scorer"

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def predict(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        self.pairs += pairs
        return np.array([min(1.0, len(text) / 2000) for _, text in pairs], dtype=np.float32)


def test_a_cross_encoder_reads_each_theme_against_its_label(team_settings: Settings) -> None:
    """With a cross-encoder, the relevance stage reads every passage against its theme's label,
    and the quotes go by that reading too (here, weighted to outweigh the vectors)."""
    scorer = LengthScorer()
    index = Index(team_settings.with_overrides(rerank={"cross_encoder_weight": 100.0}))
    report = find_themes(index, n_themes=2, scorer=scorer)
    assert "length-scorer" in report.method
    texts = {u.id: u.text for u in report.units}
    assert len(scorer.pairs) == len(report.units)
    for theme in report.themes:
        asked = {q for q, text in scorer.pairs if text in {texts[m] for m in theme.members}}
        assert len(asked) == 1 and asked.pop().startswith(theme.label)
        longest = max(theme.members, key=lambda m: (len(texts[m]), m))
        assert theme.quotes[0].chunk_id == longest
    plain = find_themes(Index(team_settings), n_themes=2)
    assert "length-scorer" not in plain.method
    assert [t.members for t in plain.themes] == [t.members for t in report.themes]


@pytest.mark.slow
def test_themes_command_reads_quotes_with_a_cross_encoder_folder(
    team_settings: Settings,
    tiny_cross_encoder_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    monkeypatch.setenv("IQA_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("IQA_RERANK__KIND", "cross-encoder")
    monkeypatch.setenv("IQA_RERANK__MODEL_DIR", str(tiny_cross_encoder_dir))
    out = tmp_path / "themes"
    index = str(team_settings.store.index_dir)
    done = CliRunner().invoke(app, ["themes", "--index", index, "--themes", "2", "--out", str(out)])
    assert done.exit_code == 0, done.output
    data = json.loads((out / "themes.json").read_text(encoding="utf-8"))
    assert "by tiny-reranker" in json.dumps(data)


# ---- the bundled corpus ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_themes(bundled_settings: Settings) -> ThemeReport:
    return find_themes(Index(bundled_settings))


def source_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8-sig")


@pytest.mark.slow
def test_bundled_themes_cover_the_interviewees_only(
    bundled_settings: Settings, bundled_themes: ThemeReport
) -> None:
    report = bundled_themes
    chunks = Index(bundled_settings).stored_chunks()
    transcript_turns = [
        i
        for i, m in zip(chunks.ids, chunks.metadatas, strict=True)
        if m["kind"] == "transcript" and m["role"] == "interviewee"
    ]
    # Every interviewee passage of the transcripts, once; no summary, no interviewer.
    assert sorted(u.id for u in report.units) == sorted(transcript_turns)
    members = [i for t in report.themes for i in t.members]
    assert sorted(members) == sorted(transcript_turns)
    assert 2 <= len(report.themes) <= 12
    assert {row.initials for row in report.speakers} == SPEAKERS
    for t in report.themes:
        assert t.label and t.keywords
        assert t.speaker_share == f"{len(t.speakers)} of 6"
        assert min(2, t.size) <= len(t.quotes) <= 4
        assert t.takeaway is not None
    for row in report.speakers:
        assert sum(row.shares.values()) == pytest.approx(1.0)
        assert set(row.best) <= set(row.shares)
    # Deterministic for a given index.
    again = find_themes(Index(bundled_settings))
    assert [t.label for t in again.themes] == [t.label for t in report.themes]
    assert [t.members for t in again.themes] == [t.members for t in report.themes]


@pytest.mark.slow
def test_every_quote_is_verbatim_and_credited(
    bundled_settings: Settings, bundled_themes: ThemeReport
) -> None:
    chunks = Index(bundled_settings).stored_chunks()
    passages = dict(zip(chunks.ids, zip(chunks.texts, chunks.metadatas, strict=True), strict=True))
    shown = bundled_themes.all_quotes()
    assert len(shown) > len(bundled_themes.themes) * 2
    for _, q in shown:
        text, meta = passages[q.chunk_id]
        assert q.verified
        assert find_verbatim(q.quote, text) is not None
        assert q.speaker == meta["speaker"] and q.initials in SPEAKERS
        # The bundled transcripts map character for character: the offsets are the quote's.
        assert source_text(q.source_path)[q.start_char : q.end_char] == q.quote


@pytest.mark.slow
def test_summary_against_the_themes(
    bundled_settings: Settings, bundled_themes: ThemeReport
) -> None:
    relation = relate_summary(bundled_themes, Index(bundled_settings))
    assert len(relation.quotes) == 29
    assert all(q.unit is not None for q in relation.quotes)
    by_section = {s.section: s for s in relation.sections}
    measuring = next(s for name, s in by_section.items() if name.endswith("Measuring Impact"))
    assert measuring.supported and measuring.quoted_themes
    # Prose-only sections the reconstructed transcripts never speak to.
    books = next(s for name, s in by_section.items() if name.endswith("Books"))
    assert not books.supported and books.quotes == 0
    assert by_section["Conclusion"] in relation.unsupported()
    assert relation.left_out == []


def own_words(report: ThemeReport, theme_id: int) -> set[str]:
    """Stemmed content words of a theme's passages and of the headings they answer."""
    from interview_qa.assistant import content_words

    words: set[str] = set()
    for u in report.units:
        if u.theme == theme_id:
            words |= content_words(f"{u.text} {u.meta.get('question', '')} {u.meta['section']}")
    return words


def assert_readable_labels(report: ThemeReport) -> None:
    """Labels are short phrases of the theme's own words, distinct, never bags of words."""
    from interview_qa.assistant import content_words

    labels = [t.label for t in report.themes]
    assert len({label.casefold() for label in labels}) == len(labels), labels
    for t in report.themes:
        assert " · " not in t.label and 1 <= len(t.label.split()) <= 10, t.label
        assert t.label[0].isupper(), t.label
        assert content_words(t.label) <= own_words(report, t.id), t.label


@pytest.mark.slow
def test_labels_name_the_themes_as_the_summary_does(
    bundled_settings: Settings, bundled_themes: ThemeReport
) -> None:
    from interview_qa.eval.summary_themes import label_heading_agreement, label_headings

    assert_readable_labels(bundled_themes)
    relation = relate_summary(bundled_themes, Index(bundled_settings))
    pairs = label_headings(bundled_themes, relation)
    assert [p.theme for p in pairs] == [t.id for t in bundled_themes.themes]
    share = label_heading_agreement(pairs)
    assert share is not None and share >= 0.70, [(p.label, p.heading) for p in pairs]
    # The labels go where the themes are named: the digest and the heatmap's axis.
    from interview_qa.assistant import digest_markdown, heatmap_figure

    digest = digest_markdown(bundled_themes)
    axis = [t.get_text() for t in heatmap_figure(bundled_themes).axes[0].get_xticklabels()]
    for t in bundled_themes.themes:
        assert f"## {t.label}" in digest
        assert " ".join(axis[t.id - 1].split()) == f"{t.id}. {t.label}"


@pytest.mark.slow
def test_labels_of_a_small_transcript_are_distinct_phrases(
    embedder,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from interview_qa.ingest import ingest

    from .conftest import FIXTURES

    settings = make_settings(tmp_path / "index").with_overrides(
        embedding={"backend": "sentence-transformers"}
    )
    assert not ingest([FIXTURES / "team"], settings, embedder=embedder).errors
    index = Index(settings)
    report = find_themes(index)
    assert_readable_labels(report)
    # Each question the three were asked names the theme of their answers to it.
    assert sorted(t.label for t in report.themes) == [
        "Avoiding burning out",
        "Good code review",
        "Mentoring junior engineers",
        "Planning your week",
    ]
    for t in report.themes:
        assert len(t.speakers) == 3
    # One speaker: no question recurs within a theme, so the central passage's key phrase.
    mike = find_themes(index, speakers=["Mike"], n_themes=2)
    assert_readable_labels(mike)


@pytest.mark.slow
def test_speaker_and_kind_filters(bundled_settings: Settings) -> None:
    index = Index(bundled_settings)
    report = find_themes(index, speakers=["G.", "s."], n_themes=2)
    assert {u.initials for u in report.units} == {"G.", "S."}
    assert len(report.themes) == 2
    with pytest.raises(ThemeError, match="No speaker Zed"):
        find_themes(index, speakers=["Zed"])
    # The summary's attributed quotes are interviewee words too, when asked for.
    summary = find_themes(index, kinds=["summary"])
    assert {u.meta["kind"] for u in summary.units} == {"summary"}
    assert all(u.meta["speaker"] != "summary" for u in summary.units)


@pytest.mark.slow
def test_too_few_or_too_many_passages(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interview_qa.assistant import themes

    index = Index(bundled_settings)
    with pytest.raises(ThemeError, match="Too few passages"):
        find_themes(index, speakers=["P."])
    monkeypatch.setattr(themes, "MAX_UNITS", 10)
    with pytest.raises(ThemeError, match=r"Too many passages \(29\)"):
        find_themes(index)


# ---- the command and its files --------------------------------------------------------------


@pytest.mark.slow
def test_themes_command_writes_its_files(bundled_settings: Settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    out = tmp_path / "themes"
    index = str(bundled_settings.store.index_dir)
    done = CliRunner().invoke(app, ["themes", "--index", index, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"wrote {out / 'themes.json'}" in done.output

    data = json.loads((out / "themes.json").read_text(encoding="utf-8"))
    assert data["themes"] and data["matrix"]["speakers"]
    for theme in data["themes"]:
        assert {"label", "takeaway", "speakers", "quotes"} <= set(theme)
        for q in theme["quotes"]:
            assert {"speaker", "initials", "quote", "source_path", "start_char", "end_char"} <= set(
                q
            )
            assert source_text(q["source_path"])[q["start_char"] : q["end_char"]] == q["quote"]
    assert len(data["matrix"]["values"]) == len(data["matrix"]["speakers"])

    digest = (out / "digest.md").read_text(encoding="utf-8")
    assert f"## {prompts.THEMES_TAKEAWAYS}" in digest
    first = data["themes"][0]
    assert f"## {first['label']}" in digest
    assert f"- {first['quotes'][0]['initials']} (" in digest

    with (out / "quotes.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and {"theme", "speaker", "initials", "quote", "source"} <= set(rows[0])
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    asked = CliRunner().invoke(
        app, ["themes", "--index", index, "--out", str(out), "--themes", "3"]
    )
    assert asked.exit_code == 0, asked.output
    assert len(json.loads((out / "themes.json").read_text())["themes"]) == 3

    for args, words in (
        (["--themes", "zero"], "--themes must be a number"),
        (["--speaker", "Zed"], "No speaker Zed"),
    ):
        bad = CliRunner().invoke(app, ["themes", "--index", index, "--out", str(out), *args])
        assert bad.exit_code == 1
        assert words in " ".join(bad.output.split())


# ---- evaluation and verify-summary ----------------------------------------------------------


@pytest.mark.slow
def test_eval_themes_report(bundled_settings: Settings, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from interview_qa.eval.themes import run_themes_report

    console = Console(record=True, width=160)
    result = run_themes_report(bundled_settings, tmp_path / "eval", console, embedder)
    assert result is not None
    assert result.quote_fidelity == 1.0 and not result.problems
    assert result.quotes_at_offsets == result.quotes_offsets_checked == result.quotes
    assert result.speaker_coverage == 1.0
    assert 0 < result.cohesion <= 1
    s = result.summary
    assert s is not None and s["quotes"] == 29 and s["quote_sections"] == 16
    assert s["leaf"]["nmi"] > s["leaf"]["nmi_chance"]
    assert s["leaf"]["ari"] > s["leaf"]["ari_chance"]
    assert 0.5 <= s["section_coverage"] < 1.0
    assert "Conclusion" in s["unsupported_sections"]
    assert "text_only" in s
    saved = json.loads((tmp_path / "eval" / "themes-report.json").read_text())
    assert saved["quote_fidelity"] == 1.0
    assert saved["label_heading_agreement"] >= 0.70
    assert len(saved["label_headings"]) == result.themes
    assert "labels sharing a word with their quotes' summary heading" in console.export_text(
        clear=False
    )
    assert (tmp_path / "eval" / "themes" / "digest.md").is_file()
    assert "summary sections supported" in console.export_text()


@pytest.mark.slow
def test_verify_summary_lists_gaps_both_ways(
    embedder,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from interview_qa.eval.commands import check_summary

    transcripts = tmp_path / "transcripts"
    shutil.copytree(CORPUS / "transcripts", transcripts)
    (transcripts / "cooking.txt").write_text(COOKING, encoding="utf-8")
    settings = make_settings(tmp_path / "unused-index")
    code = check_summary(
        CORPUS / "summary.md",
        transcripts,
        as_json=True,
        themes=True,
        settings=settings,
        embedder=embedder,
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    gaps = report["themes"]
    unsupported = [s["section"] for s in gaps["unsupported"]]
    assert "Conclusion" in unsupported
    assert not any(s.endswith("Measuring Impact") for s in unsupported)
    left = gaps["left_out"]
    assert len(left) == 1
    assert set(left[0]["speakers"]) == {"A.M.", "B.K."}
    assert "pasta" in left[0]["quote"]
    assert not (tmp_path / "unused-index").exists()

    check_summary(
        CORPUS / "summary.md", transcripts, themes=True, settings=settings, embedder=embedder
    )
    out = " ".join(capsys.readouterr().out.split())
    assert "Sections of the summary no theme supports" in out
    assert "Themes of the transcripts the summary leaves out (1)" in out


# ---- the app's pages ------------------------------------------------------------------------


@pytest.fixture
def app_settings(
    bundled_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The bundled index handed to the app as ``interview-qa ui`` does (IQA_* variables)."""
    from interview_qa.ui.launch import settings_env
    from interview_qa.ui.resources import load_assistant
    from interview_qa.ui.theme_pages import load_themes

    settings = bundled_settings.with_overrides(ui={"feedback_file": tmp_path / "fb.jsonl"})
    for var in list(os.environ):
        if var.startswith("IQA_"):
            monkeypatch.delenv(var)
    for var, value in settings_env(settings, base={}).items():
        monkeypatch.setenv(var, value)
    load_assistant.clear()
    load_themes.clear()
    yield settings
    load_assistant.clear()
    load_themes.clear()


@pytest.mark.slow
def test_themes_page_asks_about_a_theme_in_the_chat(
    app_settings: Settings, bundled_themes: ThemeReport
) -> None:
    from streamlit.testing.v1 import AppTest

    from interview_qa.ui.launch import app_path

    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("page_themes.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == prompts.THEMES_TITLE
    assert len(at.get("image")) == 1  # the heatmap
    shown = " ".join(str(m.value) for m in at.markdown).replace("\\", "")
    for t in bundled_themes.themes:
        for q in t.quotes:
            assert q.quote.split(".")[0].replace("\\", "")[:30] in shown
    theme = bundled_themes.themes[1]
    at.button(key=f"ask-theme-{theme.id}").click().run()
    assert not at.exception, at.exception
    # Back on the chat, the theme's question waits in the chat box.
    assert at.title[0].value == prompts.APP_TITLE
    box = at.chat_input(key="question")
    assert box.proto.set_value and box.proto.value == theme.question


@pytest.mark.slow
def test_speakers_page(app_settings: Settings, bundled_themes: ThemeReport) -> None:
    from streamlit.testing.v1 import AppTest

    from interview_qa.ui.launch import app_path

    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.run()
    at.switch_page("page_speakers.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == prompts.SPEAKERS_TITLE
    at.selectbox(key="speaker-page").set_value("T.").run()
    assert not at.exception, at.exception
    row = next(r for r in bundled_themes.speakers if r.initials == "T.")
    text = " ".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert "Speaks most to: " in text
    best = row.best[row.top_themes()[0][0]]
    assert best.quote.replace("\\", "")[:40] in text
    assert any("Role: interviewee" in str(c.value).replace("\\", "") for c in at.caption)


def test_a_themes_question_asks_about_its_label_or_else_its_keywords() -> None:
    """ "Ask about this theme" asks about the label the reader sees; a theme that no heading or
    phrase names ("Theme 2") is asked about by its first keywords."""
    from interview_qa.assistant.theme_model import Theme

    named = Theme(1, "Prioritizing Tasks", ["impact", "priorities"], None, ["S."], 6, [], 3, 0.5)
    assert named.question == prompts.THEMES_ASK.format(label="Prioritizing Tasks")
    bare = Theme(
        2, prompts.THEMES_LABEL_FALLBACK.format(id=2), ["fun", "enjoy"], None, [], 6, [], 2, 0.4
    )
    assert bare.question == prompts.THEMES_ASK.format(label="fun and enjoy")
