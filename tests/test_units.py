"""Units stored at ingest (issue #10, item 6): every quotable unit and heading of every chunk is
embedded once, at ingest, by the same rule the assistant cuts them with; a question then embeds
nothing but itself. Changes to files, to the split settings or a missing unit store are followed;
an index without stored units still answers, the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from interview_qa.assistant import Assistant
from interview_qa.assistant.candidates import candidate_sentences, heading_of
from interview_qa.assistant.results import Passage
from interview_qa.ingest import Index, Settings, ingest, make_embedder
from interview_qa.ingest import units as units_module
from interview_qa.ingest.markup import words_only
from interview_qa.ingest.store import IndexStore
from interview_qa.ingest.unit_store import UnitStore

from .conftest import RecordingEmbedder

QUESTION = "How do Staff engineers decide what to work on?"


def _passages(index: Index) -> list[Passage]:
    """Every chunk of the index as a Passage (what retrieval would hand the assistant)."""
    stored = index.stored_chunks()
    return [
        Passage.from_chunk(n, id_, text, meta, str(meta.get("initials", "")))
        for n, (id_, text, meta) in enumerate(
            zip(stored.ids, stored.texts, stored.metadatas, strict=True), start=1
        )
    ]


def _expected(passage: Passage, settings: Settings) -> set[str]:
    """What the assistant embeds for one passage: its units' words and its heading."""
    cfg = settings.answer
    units = candidate_sentences([passage], cfg.min_sentence_words, cfg.question_budget_words)
    texts = {words_only(s.text) for s in units} | {heading_of(passage)}
    return texts - {""}


def _check_units(settings: Settings) -> Index:
    """Assert that the stored units are exactly those ask cuts, for every chunk; the Index."""
    index = Index(settings)
    passages = _passages(index)
    assert passages
    units = UnitStore.open(settings, index.store.client)
    assert units is not None
    assert units.chunk_ids() == {p.id for p in passages}
    for passage in passages:
        assert set(index.unit_vectors([passage.id])) == _expected(passage, settings), passage.id
    return index


def test_units_stored_at_ingest_are_those_ask_cuts(hash_settings: Settings) -> None:
    index = _check_units(hash_settings)
    assert set(index.heading_vectors()) == {h for p in _passages(index) if (h := heading_of(p))}
    embedder = make_embedder(hash_settings)
    stored = index.unit_vectors([p.id for p in _passages(index)[:10]])
    texts = sorted(stored)
    np.testing.assert_allclose(
        np.array([stored[t] for t in texts]), embedder.embed(texts), atol=1e-6
    )


def test_ask_with_stored_units_embeds_only_the_question(
    hash_settings: Settings, recording_embedder: RecordingEmbedder
) -> None:
    assistant = Assistant(hash_settings, embedder=recording_embedder)
    assistant.ask("What do they like most about the role?")  # warm: retrievers built
    assistant.vectors.clear()
    recording_embedder.texts.clear()
    answer = assistant.ask(QUESTION)
    assert answer.citations
    asked = {w.strip("?").lower() for w in QUESTION.split()}
    assert recording_embedder.texts
    for text in recording_embedder.texts:
        assert {w.strip("?").lower() for w in text.split()} <= asked, text


def test_changed_and_deleted_files_replace_and_remove_their_units(
    units_corpus: Path, units_settings: Settings
) -> None:
    ingest([units_corpus], units_settings)
    before = _check_units(units_settings)
    g_ids = {p.id for p in _passages(before) if p.doc_id.endswith("interview-g.txt")}
    assert g_ids

    changed = units_corpus / "transcripts" / "interview-g.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nG.: One more thing I learned about writing "
        "design documents is that the reader matters more than the writer.\n",
        encoding="utf-8",
    )
    report = ingest([units_corpus], units_settings)
    assert report.added and report.units
    after = _check_units(units_settings)
    assert any(
        "reader matters more" in t
        for t in after.unit_vectors(list(g_ids | {p.id for p in _passages(after)}))
    ), "the new sentence's unit is stored"

    (units_corpus / "transcripts" / "interview-s.txt").unlink()
    report = ingest([units_corpus], units_settings)
    assert report.removed
    gone = _check_units(units_settings)
    assert not any(p.doc_id.endswith("interview-s.txt") for p in _passages(gone))


def test_a_changed_split_setting_embeds_the_units_again(
    units_corpus: Path, units_settings: Settings, recording_embedder: RecordingEmbedder
) -> None:
    ingest([units_corpus], units_settings)
    assert ingest([units_corpus], units_settings).nothing_to_embed  # the manifest's no-op
    other = units_settings.with_overrides(answer={"min_sentence_words": 9})
    report = ingest([units_corpus], other, embedder=recording_embedder)
    assert report.added == 0 and report.units > 0
    _check_units(other)
    budget = other.with_overrides(answer={"question_budget_words": 20})
    assert ingest([units_corpus], budget).units > 0
    _check_units(budget)


def test_new_code_of_the_rule_embeds_the_units_again(
    units_corpus: Path, units_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest([units_corpus], units_settings)
    assert ingest([units_corpus], units_settings).nothing_to_embed
    # The sentence splitter, say, now cuts differently.
    monkeypatch.setattr(units_module, "rule_digest", lambda: "new-code")
    report = ingest([units_corpus], units_settings)
    assert report.added == 0 and report.units > 0
    _check_units(units_settings)


def test_an_index_without_units_answers_the_same_and_ingest_restores_them(
    units_corpus: Path, units_settings: Settings
) -> None:
    ingest([units_corpus], units_settings)
    with_units = Assistant(units_settings).ask(QUESTION)

    store = IndexStore.open(units_settings)
    UnitStore.drop(units_settings, store.client)
    recording = RecordingEmbedder()
    assistant = Assistant(units_settings, embedder=recording)
    assert assistant.index.unit_vectors([p.id for p in with_units.passages]) == {}
    without = assistant.ask(QUESTION)
    assert without.text == with_units.text
    assert len(recording.texts) > 10  # the units were embedded on the fly

    report = ingest([units_corpus], units_settings)
    assert report.added == 0 and report.units > 0
    _check_units(units_settings)


@pytest.mark.slow
def test_minilm_answers_are_the_same_with_and_without_stored_units(
    bundled_settings: Settings, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    questions = [
        QUESTION,
        "What is the hardest part of the role?",
        "What books do they recommend?",
        "How do you build trust with other teams?",
    ]
    stored = Assistant(bundled_settings, embedder=embedder)
    first = [stored.ask(q) for q in questions]
    assert stored.index.unit_vectors([p.id for p in first[0].passages])
    monkeypatch.setattr(Index, "unit_vectors", lambda self, ids: {})
    fresh = Assistant(bundled_settings, embedder=embedder)
    for q, answer in zip(questions, first, strict=True):
        again = fresh.ask(q)
        assert again.text == answer.text, q
        assert [c.quote for c in again.citations] == [c.quote for c in answer.citations]


def test_units_of_a_rebuild_are_dropped_with_the_index(
    units_corpus: Path, units_settings: Settings
) -> None:
    ingest([units_corpus], units_settings)
    shutil.copy(units_corpus / "summary.md", units_corpus / "summary-copy.md")
    report = ingest([units_corpus], units_settings, rebuild=True)
    assert report.units > 0
    _check_units(units_settings)


@pytest.mark.slow
def test_units_in_a_chroma_server_follow_file_changes(
    units_corpus: Path, tmp_path: Path, chroma_server, recording_embedder: RecordingEmbedder
) -> None:  # type: ignore[no-untyped-def]
    from .conftest import make_settings

    settings = make_settings(
        tmp_path / "local", store={"chroma_url": chroma_server.url}, embedding={"backend": "hash"}
    )
    assert ingest([units_corpus], settings).units > 0
    _check_units(settings)
    (units_corpus / "transcripts" / "interview-s.txt").unlink()
    assert ingest([units_corpus], settings).removed
    _check_units(settings)
    assistant = Assistant(settings, embedder=recording_embedder)
    assistant.ask("What do they like most about the role?")
    assistant.vectors.clear()
    recording_embedder.texts.clear()
    assert assistant.ask(QUESTION).citations
    assert len(recording_embedder.texts) <= 3, recording_embedder.texts
