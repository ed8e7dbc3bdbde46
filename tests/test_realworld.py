"""Published shapes of interviews (issue #11), from fixtures written for these tests: written
interviews with emphasised questions, Q:/A: pairs and heading questions; podcast episodes with
show notes, first-name labels, hosts and a diariser's label; a ``speakers.yaml``; Markdown in
quotes; speakers named in questions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from interview_qa.assistant.questions import (
    ambiguity_notes,
    describe_speakers,
    lookup_speaker,
    match_names,
)
from interview_qa.assistant.quoting import display
from interview_qa.assistant.verify import find_verbatim
from interview_qa.ingest import InputError, Settings, assign_initials, parse_file
from interview_qa.ingest.markup import plain, plain_with_map
from interview_qa.ingest.parsers import read_source
from interview_qa.ingest.people import names_in_document, person_from_title

from .conftest import FIXTURES

R = FIXTURES / "realworld"


def spoken(path: Path) -> list[tuple[str, str, str]]:
    return [(t.speaker, t.role, t.text) for t in parse_file(path).turns if t.role != "notes"]


# ---- written interviews ----------------------------------------------------------------------


def test_emphasised_questions_are_the_interviewers_and_the_preamble_is_notes() -> None:
    doc = parse_file(R / "written" / "ana-lindqvist.md")
    assert doc.format == "written-interview"
    notes = [t for t in doc.turns if t.role == "notes"]
    assert notes and doc.turns[0].role == "notes"
    assert "recorded in March, 2021" in notes[0].text and "employer" in notes[0].text
    questions = [t.text for t in doc.turns if t.role == "interviewer"]
    assert questions == [
        "Tell us a little about your current role: where do you work, your title and how you "
        "got there?",
        'What does a "normal" Staff engineer do at your company?',
        "How do you spend your time day-to-day?",
        "Finding sponsors",
    ]
    answers = [t for t in doc.turns if t.role == "interviewee"]
    assert {t.speaker for t in answers} == {"Ana Lindqvist"}
    for answer in answers:
        for q in questions:
            assert q not in answer.text
        assert "___" not in answer.text and "**_" not in answer.text
    assert answers[1].question == 'What does a "normal" Staff engineer do at your company?'
    assert answers[-1].question == "Finding sponsors"


def test_question_and_answer_pairs() -> None:
    got = spoken(R / "written" / "tomas-rivera.md")
    assert [(s, r) for s, r, _ in got] == [
        ("Interviewer", "interviewer"),
        ("Tomás Rivera", "interviewee"),
        ("Interviewer", "interviewer"),
        ("Tomás Rivera", "interviewee"),
    ]
    assert got[1][2].startswith("By accident.") and "handbook" in got[1][2]
    doc = parse_file(R / "written" / "tomas-rivera.md")
    assert doc.turns[0].role == "notes" and doc.turns[0].text == "Edited for length and clarity."
    assert doc.turns[-1].question == "What would you tell a new manager?"


def test_a_titled_file_of_heading_questions_is_a_written_interview() -> None:
    doc = parse_file(R / "written" / "priya-natarajan.md")
    assert doc.format == "written-interview"
    answers = [t for t in doc.turns if t.role == "interviewee"]
    assert {t.speaker for t in answers} == {"Priya Natarajan"}
    assert answers[0].question == "Who are you, and what do you do?"


@pytest.mark.parametrize(
    "path",
    [
        "written/ana-lindqvist.md",
        "written/tomas-rivera.md",
        "written/priya-natarajan.md",
        "podcast/episode-01.md",
        "podcast/episode-03.md",
        "labelled-yaml/session-1.txt",
    ],
)
def test_offsets_point_into_the_source(path: str) -> None:
    source = read_source(R / path)
    for turn in parse_file(R / path).turns:
        for seg in turn.segments:
            assert source[seg.start : seg.end].split() == seg.text.split(), (path, seg)


# ---- who is speaking -------------------------------------------------------------------------


def test_podcast_labels_resolve_to_the_names_each_episode_gives() -> None:
    one = parse_file(R / "podcast" / "episode-01.md")
    assert one.turns[0].role == "notes" and "Links:" in " ".join(t.text for t in one.turns)
    people = {(t.speaker, t.role) for t in one.turns if t.role != "notes"}
    assert people == {
        ("Sam Whitfield", "host"),
        ("Rui Tanaka", "host"),
        ("Lena Okafor", "interviewee"),
    }
    assert "unknown" not in {t.speaker for t in one.turns}
    # "Mike" is a different person in each episode; the hosts are named in episode 1 only.
    two = {(t.speaker, t.role) for t in parse_file(R / "podcast" / "episode-02.md").turns}
    three = {(t.speaker, t.role) for t in parse_file(R / "podcast" / "episode-03.md").turns}
    assert ("Mike Adeyemi", "interviewee") in two and ("Sam Whitfield", "host") in two
    assert ("Mike Brandt", "interviewee") in three and ("Rui Tanaka", "host") in three
    # The diariser's label stays an unnamed speaker of its own.
    assert ("SPEAKER_D", "interviewee") in three


def test_host_words_are_the_question_of_the_guest_answer() -> None:
    doc = parse_file(R / "podcast" / "episode-01.md")
    lena = [t for t in doc.turns if t.speaker == "Lena Okafor"]
    assert lena[1].question == "So how did you fix on-call at Fernwood?"


def test_speakers_yaml_overrides_per_folder_and_per_file() -> None:
    one = {(t.speaker, t.role) for t in parse_file(R / "labelled-yaml" / "session-1.txt").turns}
    assert one == {("Joan Whitaker", "host"), ("Dmitri Volkov", "interviewee")}
    two = {(t.speaker, t.role) for t in parse_file(R / "labelled-yaml" / "session-2.txt").turns}
    assert two == {("Joan Whitaker", "host"), ("Beatrice Osei", "interviewee")}


def test_a_bad_speakers_yaml_names_itself(tmp_path: Path) -> None:
    shutil.copy(R / "labelled-yaml" / "session-1.txt", tmp_path)
    (tmp_path / "speakers.yaml").write_text("A: {name: X, role: narrator}\n")
    with pytest.raises(InputError, match=r"speakers\.yaml.*unknown role 'narrator'"):
        parse_file(tmp_path / "session-1.txt")


def test_names_from_titles_and_introductions() -> None:
    assert person_from_title("Mike McQuaid (GitHub)") == "Mike McQuaid"
    assert person_from_title("Episode 12: Ana Lima on open source") == "Ana Lima"
    assert person_from_title("Interview with Tomás Rivera") == "Tomás Rivera"
    assert person_from_title("The State of the Art") is None
    text = "Hi, I'm Jo Park, and our guest today is Lee Ann Moss. Welcome!"
    assert names_in_document({}, text)[:2] == ["Jo Park", "Lee Ann Moss"]


def test_initials_come_from_resolved_full_names() -> None:
    labels = []
    for path in sorted((R / "podcast").glob("*.md")):
        labels += [t.speaker for t in parse_file(path).turns if t.role != "notes"]
    initials = assign_initials(labels)
    assert initials["Mike Adeyemi"] == "M.A." and initials["Mike Brandt"] == "M.B."
    assert initials["Sam Whitfield"] == "S.W." and initials["SPEAKER_D"] == "SPEAKER_D"


# ---- markup in quotes ------------------------------------------------------------------------


def test_plain_text_maps_back_to_the_source() -> None:
    text = (
        "I joined [Fernwood Labs](https://f.example/) as a **Staff** _engineer_, snake_case.\n- one"
    )
    shown, where = plain_with_map(text)
    assert shown == "I joined Fernwood Labs as a Staff engineer, snake_case.\n• one"
    for i, ch in enumerate(shown):
        if ch != "•" and not (ch == " " and shown[i - 1 : i] == "•"):
            assert text[where[i]] == ch
    assert display("My list:\n- read the *incident* history\n- ask [who](x) is on call") == (
        "My list: • read the incident history • ask who is on call"
    )
    assert plain("A [shortcut][] and [ref][r] link") == "A shortcut and ref link"


def test_verification_ignores_markup_and_keeps_source_offsets() -> None:
    text = "I joined [Fernwood Labs](https://f.example/) as a **Staff Engineer** after it."
    span = find_verbatim("joined Fernwood Labs as a Staff Engineer", text)
    assert span is not None
    assert (
        text[span[0] : span[1]]
        == "joined [Fernwood Labs](https://f.example/) as a **Staff Engineer"
    )
    assert find_verbatim("joined Fernwood Labs as a Principal Engineer", text) is None


# ---- speakers named in questions -------------------------------------------------------------

REGISTRY = {
    "Mike Adeyemi": "M.A.",
    "Mike Brandt": "M.B.",
    "Lena Okafor": "L.O.",
    "Sam Whitfield": "S.W.",
    "SPEAKER_D": "SPEAKER_D",
}


def test_questions_name_speakers_by_full_name_first_or_last_name_and_initials() -> None:
    assert match_names("What does Lena Okafor say about pages?", REGISTRY) == (["Lena Okafor"], {})
    assert match_names("What does Okafor say?", REGISTRY)[0] == ["Lena Okafor"]
    assert match_names("What does Lena's team do?", REGISTRY)[0] == ["Lena Okafor"]
    assert match_names("What did M.B. build?", REGISTRY)[0] == ["Mike Brandt"]
    found, ambiguous = match_names("What does Mike think of reviews?", REGISTRY)
    assert found == ["Mike Adeyemi", "Mike Brandt"]
    assert ambiguous == {"Mike": ["Mike Adeyemi", "Mike Brandt"]}
    note = ambiguity_notes(ambiguous, REGISTRY)[0]
    assert "M.A. (Mike Adeyemi)" in note and "M.B. (Mike Brandt)" in note


def test_speaker_filters_accept_names() -> None:
    assert lookup_speaker("mike brandt", REGISTRY) == ["Mike Brandt"]
    assert lookup_speaker("s.w.", REGISTRY) == ["Sam Whitfield"]
    assert lookup_speaker("Mike", REGISTRY) == ["Mike Adeyemi", "Mike Brandt"]
    assert lookup_speaker("Whitfield", REGISTRY) == ["Sam Whitfield"]
    assert lookup_speaker("Nobody", REGISTRY) == []
    assert describe_speakers(["SPEAKER_D", "Lena Okafor"], REGISTRY) == [
        "SPEAKER_D",
        "L.O. (Lena Okafor)",
    ]


# ---- end to end: ingest, stats, questions by name -------------------------------------------


@pytest.mark.slow
def test_ingested_podcast_and_written_interviews_name_their_people(
    tmp_path: Path, settings: Settings, embedder: Any
) -> None:
    from typer.testing import CliRunner

    from interview_qa.assistant import Assistant
    from interview_qa.ingest import Index, ingest
    from interview_qa.ui.cli import app

    shutil.copytree(R, tmp_path / "realworld")
    settings = settings.with_overrides(embedding={"backend": "sentence-transformers"})
    report = ingest(
        [tmp_path / "realworld" / "podcast", tmp_path / "realworld" / "written"],
        settings,
        embedder=embedder,
    )
    assert not report.errors
    stats = Index(settings).stats()
    roles = {s.label: (s.initials, s.role) for s in stats.speakers}
    assert roles["Sam Whitfield"] == ("S.W.", "host")
    assert roles["Mike Adeyemi"] == ("M.A.", "interviewee")
    assert roles["Mike Brandt"] == ("M.B.", "interviewee")
    assert "unknown" not in roles and "notes" not in roles and "Interviewer" not in roles
    metas = Index(settings).record_metadata()
    assert all(m["kind"] != "notes" for m in metas)
    assert not any("recorded in March" in str(m) for m in metas)

    out = CliRunner().invoke(app, ["stats", "--index", str(settings.store.index_dir)])
    assert out.exit_code == 0, out.output
    assert "role" in out.output and "host" in out.output

    assistant = Assistant(settings, embedder=embedder)
    answer = assistant.ask("What does Mike say about incident reviews?")
    assert "M.A. (Mike Adeyemi)" in answer.text and "M.B. (Mike Brandt)" in answer.text
    assert {c.speaker for c in answer.citations} <= {"Mike Adeyemi", "Mike Brandt"}
    answer = assistant.ask("What does Ana Lindqvist check in a design review?")
    assert {c.speaker for c in answer.citations} == {"Ana Lindqvist"}
    assert "**" not in answer.text and "](" not in answer.text
    assert "incident history" in answer.text


# ---- the app's corpus panel at 50+ speakers -------------------------------------------------


def _panel_script() -> None:
    from interview_qa.ingest import IndexStats, SpeakerStat
    from interview_qa.ui.corpus_panel import speaker_panel

    guests = [
        SpeakerStat(f"Guest Nr{i}", f"G.N{i}.", 2, ("transcript",), "interviewee", (f"p/ep{i}.md",))
        for i in range(55)
    ]
    host = SpeakerStat("Sam Whitfield", "S.W.", 40, ("transcript",), "host", ("p/ep1.md",))
    speaker_panel(IndexStats("here", 150, [], [host, *guests]))


def test_corpus_panel_is_grouped_by_role_and_searchable_at_many_speakers() -> None:
    from streamlit.testing.v1 import AppTest

    from interview_qa.assistant import prompts

    at = AppTest.from_function(_panel_script).run()
    assert [e.label for e in at.expander] == ["Hosts (1)", "Interviewees (55)"]
    assert at.text_input(key="speaker_search").label == prompts.SPEAKER_SEARCH
    at.text_input(key="speaker_search").input("ep17").run()
    captions = [unescape(c.value) for c in at.caption]
    assert captions == ["G.N17. (Guest Nr17) · 2 passages"]
    at.text_input(key="speaker_search").input("whitfield").run()
    assert [unescape(c.value) for c in at.caption] == ["S.W. (Sam Whitfield) · 40 passages"]
    at.text_input(key="speaker_search").input("nobody").run()
    expected = prompts.NO_SPEAKER_MATCH.format(query="nobody")
    assert [unescape(c.value) for c in at.caption] == [expected]


def unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_an_acknowledgement_keeps_the_question_the_guest_goes_on_answering() -> None:
    """A host's "Yeah." or "Wow." between two answers is no question: the second answer is
    still the answer to the question asked before ("answering 'Yeah.'" helped nobody)."""
    from interview_qa.ingest.parsers import parse_text

    text = (
        "**Jo Host:** How do you give feedback?\n\n"
        "**Lara Guest:** I start from the situation and the behaviour.\n\n"
        "**Jo Host:** Yeah.\n\n"
        "**Lara Guest:** Then I say what the impact was.\n\n"
        "**Jo Host:** Wow, okay. And when do you give it?\n\n"
        "**Lara Guest:** As soon as I can.\n"
    )
    doc = parse_text(Path("episode.md"), text, hosts=["Jo Host"])
    lara = [t for t in doc.turns if t.speaker == "Lara Guest"]
    assert [t.question for t in lara] == [
        "How do you give feedback?",
        "How do you give feedback?",
        "Wow, okay. And when do you give it?",
    ]
