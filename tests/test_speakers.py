"""Label normalisation and the initials rule; who a speech-to-text podcast's labels name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from interview_qa.ingest import parse_file
from interview_qa.ingest.people import (
    DocumentNames,
    SpeakerPresence,
    likely_same,
    merged_speaker,
    near_spelling,
    people_in_title,
    resolve_name,
    spelled_apart,
)
from interview_qa.ingest.speakers import assign_initials, base_initials, normalize_label

from .conftest import FIXTURES, PODCAST, make_settings


def test_normalize_label() -> None:
    assert normalize_label("**g.**") == "G."
    assert normalize_label("G..") == "G."
    assert normalize_label("  GEORGE   smith: ") == "George Smith"
    assert normalize_label("george smith") == "George Smith"
    assert normalize_label("SPEAKER_1") == "SPEAKER_1"
    assert normalize_label("Dmitry Petrashko") == "Dmitry Petrashko"
    assert normalize_label("[Ana]") == "Ana"


def test_base_initials() -> None:
    assert base_initials("G.") == "G."
    assert base_initials("D.P.") == "D.P."
    assert base_initials("Dmitry Petrashko") == "D.P."
    assert base_initials("Nell") == "N."
    assert base_initials("SPEAKER_01") == "SPEAKER_01"
    assert base_initials("Jean-Luc Picard") == "J.L.P."


def test_shared_initials_are_disambiguated_deterministically() -> None:
    labels = [t.speaker for t in parse_file(FIXTURES / "transcripts" / "collide.txt").turns]
    got = assign_initials(labels)
    assert got["Interviewer"] == "I."
    assert got["Dan Park"] != got["Diana Pope"] != got["Dan Parker"]
    assert len({got["Dan Park"], got["Diana Pope"], got["Dan Parker"]}) == 3
    assert got["Diana Pope"] == "D.Po."
    assert got["Dan Park"] == "D.Park." and got["Dan Parker"] == "D.Parke."
    assert "D.P." not in got.values()  # nobody keeps the shared initials
    # Same answer whatever the order the labels come in.
    assert assign_initials(reversed(labels)) == got


def test_initials_written_as_initials_are_kept_when_a_full_name_collides() -> None:
    got = assign_initials(["G.", "Gina", "Gus"])
    assert got["G."] == "G."
    assert got["Gina"] == "Gi." and got["Gus"] == "Gu."


def test_identical_letters_fall_back_to_numbers() -> None:
    got = assign_initials(["Al B", "Al Bo", "A.B."])
    assert got == {"A.B.": "A.B.", "Al Bo": "A.Bo.", "Al B": "A.B.#2"}


# ---- names that slip: speech-to-text labels, titles, spellings across episodes ---------------


def test_initials_never_carry_a_fragment_of_a_surname() -> None:
    assert base_initials("Dana O Kafor") == "D.O." == base_initials("Dana Okafor")
    assert base_initials("Dana N Romo") == "D.N."
    assert base_initials("Dana O'Kafor") == "D.O."
    assert base_initials("Ludwig van Beethoven") == "L.B."
    assert base_initials("Martin Luther King Jr.") == "M.L.K."
    assert base_initials("John F. Kennedy") == "J.F.K."  # a middle initial is a word
    assert base_initials("Dana O") == "D.O."  # a surname's initial, not a fragment
    variants = ["Dana Okafor", "Dana Okafur", "Dana O Kafor", "Dana N Romo", "Dana N Romos"]
    got = assign_initials(variants)
    assert len(set(got.values())) == len(variants)
    for initials in got.values():
        # Never "D.N.Romo.": a lone letter followed by a piece of the surname.
        assert not re.search(r"[A-Z]\.[A-Z]\.[A-Z][a-z]+\.", initials), got
    assert got["Dana Okafur"] == "D.Okafu."  # clashes still take more letters of the surname
    # Of two spellings with the same letters, the more quoted keeps the whole surname.
    got = assign_initials(["Dana O Kafor"] * 2 + ["Dana Okafor"] * 7)
    assert got == {"Dana Okafor": "D.Okafor.", "Dana O Kafor": "D.O.#2"}


def test_people_in_titles() -> None:
    assert people_in_title("Priya Raman (Acme)") == ["Priya Raman"]
    assert "Ben Ortiz" in people_in_title("Why Tests Fail, with Ben Ortiz")
    assert people_in_title("Sarah Lee & Tom Berg (Fernwood): Shipping on Fridays") == [
        "Sarah Lee",
        "Tom Berg",
    ]
    assert people_in_title("Episode 4: Kofi Mensah on platform teams") == ["Kofi Mensah"]
    assert "Lena Ortiz" in people_in_title("#5 — Building Platforms — Lena Ortiz")
    assert people_in_title("Ep. 12 - Ben Ortiz and Sarah Lee talk testing") == [
        "Ben Ortiz",
        "Sarah Lee",
    ]
    assert people_in_title("Mike McQuaid Talks Open Source") == []
    assert people_in_title("The State of the Art") == []


def test_near_spellings() -> None:
    assert near_spelling("Dana Okafur", "Dana Okafor")
    assert near_spelling("Dana O Kafor", "Dana Okafor")
    assert near_spelling("Kofy", "Kofi") and near_spelling("Pria", "Priya")
    assert not near_spelling("Lena Okafor", "Dana Okafor")
    assert not near_spelling("Ben", "Ken")
    # Across documents only the same first name counts: Mark and Mary are two people.
    assert spelled_apart("Dana Okafor", "Dana Okafour")
    assert spelled_apart("Priya R.", "Priya Raman")
    assert not spelled_apart("Mark Smith", "Mary Smith")
    assert not spelled_apart("Ben Ortiz", "Ben Stone")


def test_a_slipped_first_name_never_takes_another_speakers_name() -> None:
    def names(*given: str) -> DocumentNames:
        return DocumentNames(given, ())

    assert resolve_name("Kofy", names("Kofi Mensah")) == "Kofi Mensah"
    assert resolve_name("Kofy Mensah", names("Kofi Mensah")) == "Kofi Mensah"
    # "Dina" is labelled in the same document: Dina Lee is hers, not a slip of "Dana".
    assert resolve_name("Dana", names("Dina Lee"), others={"dina"}) is None
    assert resolve_name("Mary Smith", names("Mark Smith"), others={"mark"}) is None
    assert resolve_name("Dan", names("Dana Lee")) is None  # too short to tell a slip
    assert resolve_name("Dana", names("Dina Lee"), fuzzy=False) is None  # a folder's host
    # A title naming two Bens names neither.
    assert resolve_name("Ben", names("Ben Ortiz", "Ben Stone")) is None
    # The title's spelling wins over the introduction's slip.
    intro = DocumentNames(("Priya Raman",), ("Priya Ramen",))
    assert resolve_name("Priya", intro) == "Priya Raman"
    assert resolve_name("Pria", intro) == "Priya Raman"


def _speakers(path: Path) -> set[tuple[str, str]]:
    return {(t.speaker, t.role) for t in parse_file(path).turns if t.role != "notes"}


def test_first_name_labels_take_the_full_name_the_title_gives() -> None:
    one, two = PODCAST / "season-1", PODCAST / "season-2"
    # The introduction's slip ("our guest today is Priya Ramen") does not outvote the title,
    # and "Priya R." is her first name and her surname's first letter.
    assert ("Priya Raman", "interviewee") in _speakers(one / "ep01-priya-raman.md")
    assert ("Ben Ortiz", "interviewee") in _speakers(one / "ep02-ben-ortiz.md")
    # Two guests in a `# heading` title, no front matter.
    three = _speakers(one / "ep03-sarah-lee-tom-berg.md")
    assert {("Sarah Lee", "interviewee"), ("Tom Berg", "interviewee")} <= three
    assert ("Lena Ortiz", "interviewee") in _speakers(two / "ep05-lena-ortiz.md")
    # A `guests:` list in the front matter.
    assert ("Mike Adeyemi", "interviewee") in _speakers(two / "ep06-mike-adeyemi.md")
    # "Ben" is a different person in each episode.
    assert ("Ben Stone", "interviewee") in _speakers(two / "ep07-ben-stone.md")


def test_near_spelled_labels_take_the_documents_spelling() -> None:
    four = _speakers(PODCAST / "season-1" / "ep04-kofi-mensah.md")
    assert ("Kofi Mensah", "interviewee") in four  # labelled "Kofy:"
    # The host's misspelled full-name label is still the host.
    assert ("Dana Okafur", "host") in four
    six = _speakers(PODCAST / "season-2" / "ep06-mike-adeyemi.md")
    assert ("Dana Okafor", "host") in six  # labelled "Dana Okafour:", `host: Dana Okafor`


def test_the_host_keeps_each_episodes_spelling_and_role() -> None:
    hosts = {
        path.name: {s for s, r in _speakers(path) if r == "host"}
        for path in sorted(PODCAST.rglob("*.md"))
    }
    assert hosts["ep01-priya-raman.md"] == {"Dana Okafor"}
    assert hosts["ep02-ben-ortiz.md"] == {"Dana Okafur"}
    assert hosts["ep03-sarah-lee-tom-berg.md"] == {"Dana O Kafor"}
    assert all(len(h) == 1 for h in hosts.values())


def test_likely_same_people_are_grouped_but_never_within_one_document() -> None:
    def at(name: str, *docs: str, chunks: int = 1) -> SpeakerPresence:
        return SpeakerPresence(name, frozenset(docs), chunks)

    groups = likely_same(
        [
            at("Dana Okafur", "e2", "e4", chunks=5),
            at("Dana Okafor", "e1", "e5", "e6", chunks=9),
            at("Dana O Kafor", "e3", chunks=2),
            at("Ben Ortiz", "e2"),
            at("Ben Stone", "e7"),
            at("Ben", "e8"),
            at("Dan Park", "c"),
            at("Dan Parker", "c"),
            at("SPEAKER_01", "e1"),
            at("SPEAKER_02", "e2"),
        ]
    )
    assert groups == [("Dana Okafor", "Dana Okafur", "Dana O Kafor")]


def test_merges_follow_chains_and_stop_at_cycles() -> None:
    merges = {"dana okafur": ["Dana O Kafor", None], "dana o kafor": ["Dana Okafor", "host"]}
    got = merged_speaker("Dana Okafur", merges)
    assert got is not None and (got.name, got.role) == ("Dana Okafor", "host")
    assert merged_speaker("Ben Ortiz", merges) is None
    loop = {"a b": ["C D", None], "c d": ["A B", None]}
    assert merged_speaker("A B", loop) is None


# ---- the collection as a user ingests it: stats, the ingest summary, speakers.yaml merges -----

LIKELY_DANA = (
    "likely the same person: 'Dana Okafor', 'Dana Okafur', 'Dana O Kafor' — merge them in "
    "speakers.yaml"
)


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return out.output


def _people(index: Path) -> dict[str, tuple[str, str]]:
    from interview_qa.ingest import Index

    settings = make_settings(index, embedding={"backend": "hash"})
    return {s.label: (s.initials, s.role) for s in Index(settings).stats().speakers}


def test_stats_and_the_ingest_summary_list_likely_same_speakers(
    podcast: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQA_EMBEDDING__BACKEND", "hash")
    index = str(tmp_path / "index")
    out = _cli("ingest", str(podcast), "--index", index)
    assert "7 documents, 11 speakers" in out
    assert LIKELY_DANA in out.splitlines()
    # The no-op re-ingest still says so.
    again = _cli("ingest", str(podcast), "--index", index)
    assert "index up to date" in again and LIKELY_DANA in again.splitlines()
    stats = _cli("stats", "--index", index)
    assert LIKELY_DANA in stats.splitlines()
    people = _people(tmp_path / "index")
    guests = {"Priya Raman", "Ben Ortiz", "Sarah Lee", "Tom Berg", "Kofi Mensah", "Lena Ortiz"}
    guests |= {"Mike Adeyemi", "Ben Stone"}
    assert {n for n, (_, role) in people.items() if role == "interviewee"} == guests
    assert {n for n, (_, role) in people.items() if role == "host"} == {
        "Dana Okafor",
        "Dana Okafur",
        "Dana O Kafor",
    }
    assert people["Ben Ortiz"][0] == "B.O." and people["Ben Stone"][0] == "B.S."


def test_a_speakers_yaml_merge_applies_to_the_whole_index(
    podcast: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQA_EMBEDDING__BACKEND", "hash")
    index = str(tmp_path / "index")
    _cli("ingest", str(podcast), "--index", index)
    # At the top of the collection: no transcript sits beside it, yet it names them all.
    (podcast / "speakers.yaml").write_text(
        "Dana Okafur: Dana Okafor\nDana O Kafor: Dana Okafor\n", encoding="utf-8"
    )
    out = _cli("ingest", str(podcast), "--index", index)
    assert "index up to date" in out  # renamed, nothing re-embedded
    assert "7 documents, 9 speakers" in out and "likely the same" not in out
    assert _people(tmp_path / "index")["Dana Okafor"] == ("D.O.", "host")
    assert not {"Dana Okafur", "Dana O Kafor"} & set(_people(tmp_path / "index"))
    assert "likely the same" not in _cli("stats", "--index", index)
    # Taking the merge back gives each episode its own spelling again.
    (podcast / "speakers.yaml").unlink()
    out = _cli("ingest", str(podcast), "--index", index)
    assert "7 documents, 11 speakers" in out and LIKELY_DANA in out.splitlines()


def test_a_merge_reaches_documents_ingested_on_their_own(podcast: Path, tmp_path: Path) -> None:
    from interview_qa.ingest import ingest

    settings = make_settings(tmp_path / "index", embedding={"backend": "hash"})
    (podcast / "season-1" / "speakers.yaml").write_text(
        "Dana Okafur: {name: Dana Okafor, role: host}\n", encoding="utf-8"
    )
    # Season 2 first: its "Dana Okafur" (episode 7) is renamed when season 1 brings the merge…
    first = ingest([podcast / "season-2"], settings)
    assert ("Dana Okafor", "Dana Okafur") in first.likely_same
    second = ingest([podcast / "season-1"], settings)
    assert not second.errors
    people = _people(tmp_path / "index")
    assert "Dana Okafur" not in people and people["Dana Okafor"][1] == "host"
    assert second.likely_same == [("Dana Okafor", "Dana O Kafor")]
    # …and stays renamed when season 2 is ingested again on its own.
    third = ingest([podcast / "season-2"], settings)
    assert not third.errors and "Dana Okafur" not in _people(tmp_path / "index")


@pytest.mark.slow
def test_questions_find_podcast_guests_by_the_names_their_titles_give(
    podcast: Path, tmp_path: Path, embedder: Any
) -> None:
    from interview_qa.assistant import Assistant
    from interview_qa.ingest import ingest

    (podcast / "speakers.yaml").write_text(
        "Dana Okafur: Dana Okafor\nDana O Kafor: Dana Okafor\n", encoding="utf-8"
    )
    settings = make_settings(tmp_path / "index", embedding={"backend": "sentence-transformers"})
    report = ingest([podcast], settings, embedder=embedder)
    assert not report.errors and not report.likely_same
    assistant = Assistant(settings, embedder=embedder)
    answer = assistant.ask("What does Kofi Mensah say a platform team owns?")
    assert {c.speaker for c in answer.citations} == {"Kofi Mensah"}
    assert "K.M." in answer.text and "paved road" in answer.text
    answer = assistant.ask("What does Ben say about flaky tests?")
    assert "B.O. (Ben Ortiz) and B.S. (Ben Stone)" in answer.text
    assert {c.speaker for c in answer.citations} <= {"Ben Ortiz", "Ben Stone"}
    assert "quarantine" in answer.text
    answer = assistant.ask("How does Tom Berg feel about deploying on Fridays?")
    assert {c.speaker for c in answer.citations} == {"Tom Berg"}


def test_a_bad_speakers_yaml_of_a_collection_names_itself_once(
    podcast: Path, tmp_path: Path
) -> None:
    from interview_qa.ingest import ingest

    settings = make_settings(tmp_path / "index", embedding={"backend": "hash"})
    (podcast / "speakers.yaml").write_text("Dana Okafur: {name: X, role: narrator}\n")
    report = ingest([podcast], settings)
    assert [str(e) for e in report.errors] == [
        f"{(podcast / 'speakers.yaml').resolve()}: unknown role 'narrator' (use host, "
        "interviewer or interviewee)"
    ]
    assert report.documents == 7  # the transcripts are still ingested
