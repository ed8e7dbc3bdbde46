"""Recordings beside transcripts (issue "Hear it said"): finding them, checking them, recording
them with the document at ingest, and the times every citation carries. Fast: the ``hash``
test embedder; the recordings are made in the test (espeak-ng, or a tone)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from interview_qa.assistant import Assistant, Citation, Passage
from interview_qa.ingest import Settings, discover, ingest, parse_file
from interview_qa.ingest.media import MediaError, locate, probe, sniff
from interview_qa.ui import render
from tests.conftest import ESPEAK, RECORDED_SECONDS, make_recording, make_settings, recorded_vtt

QUESTION = "What is the hardest part of the job?"


@pytest.fixture
def hashed(tmp_path: Path) -> Settings:
    """A fresh index under tmp_path with the test embedder."""
    return make_settings(tmp_path / "media-index", embedding={"backend": "hash"})


def stored(settings: Settings) -> list[dict[str, object]]:
    """The metadata of every stored chunk."""
    from interview_qa.ingest.store import IndexStore

    return [rec["metadata"] for rec in IndexStore.open(settings).iter_records()]


def lena(settings: Settings) -> list[dict[str, object]]:
    return sorted(
        (m for m in stored(settings) if m["speaker"] == "Lena Ortiz"),
        key=lambda m: float(str(m["start_time"])),
    )


# ---- the recording made for the tests ---------------------------------------------------------


def test_the_test_recording_speaks_each_cue_from_its_start(recorded_corpus: Path) -> None:
    if ESPEAK is None:
        reason = "espeak-ng is missing: install Debian's espeak-ng to speak the test recording"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with wave.open(str(recorded_corpus / "interview.wav")) as w:
        rate = w.getframerate()
        pcm = w.readframes(w.getnframes())
        assert abs(w.getnframes() / rate - RECORDED_SECONDS) < 0.01
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)

    def loud(a: float, b: float) -> int:
        return max(abs(s) for s in samples[int(a * rate) : int(b * rate)])

    assert loud(0.0, 0.9) == 0 and loud(4.6, 4.95) == 0  # silence between cues
    assert loud(5.0, 7.0) > 1000 and loud(10.0, 12.0) > 1000  # speech from each cue's start


# ---- finding and checking a recording ---------------------------------------------------------


def test_sniffing_tells_audio_and_video_from_other_files() -> None:
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "audio/wav"
    assert sniff(b"ID3\x04\x00\x00\x00\x00\x00\x00") == "audio/mpeg"
    assert sniff(b"\xff\xfb\x90\x00") == "audio/mpeg"
    assert sniff(b"OggS\x00\x02") == "audio/ogg"
    assert sniff(b"\x1a\x45\xdf\xa3\x01") == "video/webm"
    assert sniff(b"\x00\x00\x00\x20ftypM4A \x00", ".m4a") == "audio/mp4"
    assert sniff(b"\x00\x00\x00\x20ftypisom\x00", ".mp4") == "video/mp4"
    assert sniff(b"Interviewer: hello") is None
    assert sniff(b"\x89PNG\r\n\x1a\n") is None
    assert sniff(b"") is None


def test_probe_reads_a_wav_duration_and_refuses_what_is_not_a_recording(tmp_path: Path) -> None:
    wav = make_recording(tmp_path / "a.wav", ((0.5, 2.0, "A", "hello"),), seconds=3.0)
    found = probe(wav)
    assert (found.mime, found.size, found.is_video) == ("audio/wav", wav.stat().st_size, False)
    assert found.duration == pytest.approx(3.0, abs=0.01)
    fake = tmp_path / "fake.mp3"
    fake.write_text("Interviewer: this is text, not sound\n")
    with pytest.raises(MediaError, match=r"fake\.mp3: not an audio or video file"):
        probe(fake)
    with pytest.raises(MediaError, match=r"gone\.wav: recording not found"):
        probe(tmp_path / "gone.wav")


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def test_probe_reads_mp4_and_mp3_durations_from_their_headers(tmp_path: Path) -> None:
    mvhd = _box(b"mvhd", b"\x00" * 4 + b"\x00" * 8 + struct.pack(">II", 1000, 83_500) + b"\0" * 80)
    m4a = tmp_path / "a.m4a"
    m4a.write_bytes(
        _box(b"ftyp", b"M4A \x00\x00\x00\x00") + _box(b"mdat", b"\0" * 64) + _box(b"moov", mvhd)
    )
    found = probe(m4a)
    assert (found.mime, found.duration) == ("audio/mp4", 83.5)
    # MPEG-1 layer III, 44.1 kHz, with a Xing header counting 100 frames of 1152 samples.
    frame = b"\xff\xfb\x90\x00" + b"\0" * 32 + b"Xing" + struct.pack(">II", 1, 100) + b"\0" * 100
    mp3 = tmp_path / "a.mp3"
    mp3.write_bytes(frame)
    assert probe(mp3).duration == pytest.approx(100 * 1152 / 44100)
    mp3.write_bytes(b"\xff\xfb\x90\x00" + b"\0" * 300)  # no Xing header: length unknown
    assert probe(mp3).duration is None and probe(mp3).mime == "audio/mpeg"


def test_probe_reads_an_ogg_duration(tmp_path: Path) -> None:
    sox = shutil.which("sox")
    if sox is None:
        pytest.skip("sox is missing: it writes the Ogg Vorbis file of this test")
    ogg = tmp_path / "a.ogg"
    try:
        subprocess.run(
            [sox, "-n", "-r", "22050", "-c", "1", str(ogg), "synth", "4", "sine", "440"],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"this sox writes no Ogg Vorbis: {exc.stderr.decode(errors='replace')}")
    found = probe(ogg)
    assert found.mime == "audio/ogg"
    assert found.duration == pytest.approx(4.0, abs=0.05)


def test_a_recording_is_found_beside_its_transcript_or_by_its_front_matter(tmp_path: Path) -> None:
    transcript = tmp_path / "interview.vtt"
    transcript.write_text(recorded_vtt())
    assert locate(transcript, None) is None
    (tmp_path / "interview.M4A").write_bytes(b"x")
    assert locate(transcript, None) == tmp_path / "interview.M4A"
    (tmp_path / "interview.mp3").write_bytes(b"x")
    assert locate(transcript, None) == tmp_path / "interview.mp3"  # the first extension
    assert locate(transcript, "recordings/2024-05-03.m4a") == (
        tmp_path / "recordings" / "2024-05-03.m4a"
    )
    assert locate(transcript, "./a/../b.wav") == tmp_path / "b.wav"
    for outside in ("../elsewhere.wav", "a/../../x.wav", "/etc/passwd", "~/x.wav"):
        with pytest.raises(MediaError, match="must lie in the transcript's folder"):
            locate(transcript, outside)


# ---- ingest ----------------------------------------------------------------------------------


def test_ingest_records_the_recording_with_the_timed_chunks(
    recorded_corpus: Path, hashed: Settings
) -> None:
    (recorded_corpus / "stray.mp3").write_bytes(b"ID3\x04" + b"\0" * 50)  # no transcript: skipped
    files, errors = discover([recorded_corpus])
    assert [f.path.name for f in files] == ["interview.vtt"] and not errors
    report = ingest([recorded_corpus], hashed)
    assert not report.errors and not report.notes, (report.errors, report.notes)
    chunk, later = lena(hashed)
    assert later["media_path"] == chunk["media_path"] and later["start_time"] == 19.0
    assert chunk["media_path"] == str(recorded_corpus / "interview.wav")
    assert chunk["media_type"] == "audio/wav"
    assert chunk["media_size"] == (recorded_corpus / "interview.wav").stat().st_size
    assert chunk["media_duration"] == pytest.approx(RECORDED_SECONDS, abs=0.01)
    assert (chunk["start_time"], chunk["end_time"]) == (5.0, 14.0)
    assert json.loads(str(chunk["cues"])) == [[0, 5.0, 9.0], [45, 10.0, 14.0]]
    # The recording is not in the index's folder: only its path is.
    assert not list(hashed.store.index_dir.rglob("*.wav"))


def test_a_recording_given_on_its_own_is_not_read_as_a_transcript(recorded_corpus: Path) -> None:
    _, errors = discover([recorded_corpus / "interview.wav"])
    assert len(errors) == 1 and "a recording, not a transcript" in str(errors[0])


def test_citations_carry_the_times_of_their_own_cue_and_the_recording(
    recorded_corpus: Path, hashed: Settings
) -> None:
    ingest([recorded_corpus], hashed)
    answer = Assistant(hashed).ask("Does every yes cost a quarter of focus?")
    quoted = [c for c in answer.citations if "quarter of focus" in c.quote]
    assert quoted, answer.text
    assert (quoted[0].start_s, quoted[0].end_s) == (10.0, 14.0)
    assert quoted[0].media == str(recorded_corpus / "interview.wav")
    data = json.loads(answer.to_json())
    cited = next(c for c in data["citations"] if "quarter of focus" in c["quote"])
    assert (cited["start_s"], cited["end_s"], cited["media"]) == (
        10.0,
        14.0,
        str(recorded_corpus / "interview.wav"),
    )


def test_front_matter_names_the_recording_in_a_subfolder(tmp_path: Path, hashed: Settings) -> None:
    folder = tmp_path / "programme"
    (folder / "recordings").mkdir(parents=True)
    make_recording(folder / "recordings" / "2024-05-03.wav", seconds=RECORDED_SECONDS)
    (folder / "sam.md").write_text(
        "---\ntitle: Talking to Sam\nmedia: recordings/2024-05-03.wav\n---\n\n"
        "[00:00:01] Interviewer: What is the hardest part of the job?\n\n"
        "[00:00:05] Sam Okafor: Saying no to good ideas is the hardest part.\n\n"
        "[00:00:15] Interviewer: How do you decide what to drop?\n"
    )
    report = ingest([folder], hashed)
    assert not report.errors and not report.notes, report.notes
    (sam,) = [m for m in stored(hashed) if m["speaker"] == "Sam Okafor"]
    assert sam["media_path"] == str(folder / "recordings" / "2024-05-03.wav")
    # A stamped turn ends where the next stamped turn starts.
    assert (sam["start_time"], sam["end_time"]) == (5.0, 15.0)


@pytest.mark.parametrize(
    ("media", "problem"),
    [
        ("recordings/missing.m4a", "recordings/missing.m4a: recording not found"),
        ("../outside.wav", "../outside.wav: the recording must lie in the transcript's folder"),
        ("notes.mp3", "notes.mp3: not an audio or video file"),
        ("[a, b]", "`media:` in the front matter must be a file path"),
    ],
)
def test_a_bad_recording_is_one_note_and_the_transcript_still_ingests(
    tmp_path: Path, hashed: Settings, media: str, problem: str
) -> None:
    folder = tmp_path / "programme"
    folder.mkdir()
    make_recording(tmp_path / "outside.wav", seconds=3.0)
    (folder / "notes.mp3").write_text("These are notes, not a recording.\n")
    (folder / "sam.md").write_text(
        f"---\nmedia: {media}\n---\n\n"
        "[00:00:01] Interviewer: What is the hardest part?\n\n"
        "[00:00:05] Sam Okafor: Saying no to good ideas.\n"
    )
    report = ingest([folder], hashed)
    assert not report.errors
    assert len(report.notes) == 1, report.notes
    note = report.notes[0]
    assert "\n" not in note and str(folder / "sam.md") in note and problem in note
    assert "indexed without its recording" in note
    (sam,) = [m for m in stored(hashed) if m["speaker"] == "Sam Okafor"]
    assert "media_path" not in sam and sam["start_time"] == 5.0


def test_times_past_the_recordings_end_play_no_recording(
    recorded_corpus: Path, hashed: Settings
) -> None:
    make_recording(recorded_corpus / "interview.wav", seconds=16.0)  # cut before 0:19
    report = ingest([recorded_corpus], hashed)
    assert not report.errors
    assert len(report.notes) == 1, report.notes
    assert (
        "1 passage(s) from 0:19 on start after the end of its recording interview.wav (0:16)"
        in (report.notes[0])
    )
    early, late = lena(hashed)
    assert early["media_path"] == str(recorded_corpus / "interview.wav")
    assert late["start_time"] == 19.0 and "media_path" not in late
    assert len(stored(hashed)) == 2  # nothing indexed is lost


def test_adding_or_removing_a_recording_rewrites_metadata_without_embedding(
    recorded_corpus: Path, hashed: Settings
) -> None:
    recording = recorded_corpus / "interview.wav"
    moved = recorded_corpus.parent / "kept.wav"
    recording.rename(moved)
    first = ingest([recorded_corpus], hashed)
    assert not first.notes and all("media_path" not in m for m in stored(hashed))
    assert ingest([recorded_corpus], hashed).unchanged_documents == 1  # the manifest: no-op

    moved.rename(recording)
    added = ingest([recorded_corpus], hashed)
    assert (added.added, added.removed, added.changed_documents) == (0, 0, 1)
    assert all(m["media_path"] == str(recording) for m in lena(hashed))
    answer = Assistant(hashed).ask(QUESTION)
    assert any(p.media == str(recording) for p in answer.passages)

    recording.unlink()
    removed = ingest([recorded_corpus], hashed)
    assert (removed.added, removed.changed_documents) == (0, 1)
    assert all("media_path" not in m for m in stored(hashed))
    answer = Assistant(hashed).ask(QUESTION)
    assert all(p.media is None for p in answer.passages)
    assert all(c.media is None and c.start_s is not None for c in answer.citations)


def test_stamped_turns_end_where_the_next_one_starts() -> None:
    doc = parse_file(Path(__file__).parent / "fixtures" / "transcripts" / "timestamps.txt")
    times = [(t.speaker, t.start_time, t.end_time) for t in doc.turns]
    assert times == [
        ("Interviewer", 5.0, 9.0),
        ("Sam Okafor", 9.0, 90.0),  # two stamped lines merged: it ends at the next stamp
        ("Interviewer", 90.0, 95.0),
        ("Sam Okafor", 95.0, None),  # nothing after the last stamp
    ]
    sam = doc.turns[1]
    assert [(s.start_time, s.end_time) for s in sam.segments] == [(9.0, 62.0), (62.0, 90.0)]


# ---- what the app and the CLI show -------------------------------------------------------------


def _passage(**fields: object) -> Passage:
    base: dict[str, object] = dict(
        number=1,
        id="x",
        text="Saying no to good ideas. Every yes costs focus.",
        speaker="Lena Ortiz",
        initials="L.O.",
        kind="transcript",
        doc_id="recorded/interview.vtt",
        source_path="/r/interview.vtt",
        start_char=0,
        end_char=47,
        question="What is hard?",
        start_time=754.0,
        end_time=771.4,
        media="/r/interview.m4a",
        media_type="audio/mp4",
        media_duration=900.0,
    )
    base.update(fields)
    return Passage(**base)  # type: ignore[arg-type]


def test_a_source_plays_from_a_little_before_its_quote_to_just_after_it() -> None:
    from interview_qa.assistant import Answer

    passage = _passage()
    answer = Answer(
        "q", "t", "extractive", False, citations=[Citation.of(passage, 0, 24)], passages=[passage]
    )
    (view,) = render.source_views(answer)
    assert "at 12:34–12:51" in view.location
    player = view.player(2.0)
    assert player == render.Player("/r/interview.m4a", "audio/mp4", 752, 772)
    assert view.player(0.0) == render.Player("/r/interview.m4a", "audio/mp4", 754, 772)
    assert not player.is_video
    video = _passage(media="/r/i.mp4", media_type="video/mp4", media_duration=None, end_time=None)
    answer = Answer(
        "q", "t", "extractive", False, citations=[Citation.of(video, 0, 5)], passages=[video]
    )
    (view,) = render.source_views(answer)
    assert view.player(5.0) == render.Player("/r/i.mp4", "video/mp4", 749, None)
    assert view.player(5.0).is_video  # type: ignore[union-attr]


def test_a_source_without_a_recording_shows_its_time_and_no_player() -> None:
    from interview_qa.assistant import Answer

    passage = _passage(media=None, media_type=None, media_duration=None)
    answer = Answer(
        "q", "t", "extractive", False, citations=[Citation.of(passage, 0, 5)], passages=[passage]
    )
    (view,) = render.source_views(answer)
    assert "at 12:34–12:51" in view.location and view.player(2.0) is None
    late = _passage(start_time=901.0, end_time=910.0)  # past the recording's end
    answer = Answer(
        "q", "t", "extractive", False, citations=[Citation.of(late, 0, 5)], passages=[late]
    )
    assert render.source_views(answer)[0].player(2.0) is None


def test_the_cli_prints_the_quote_time_and_json_carries_it(
    recorded_corpus: Path, hashed: Settings
) -> None:
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    ingest([recorded_corpus], hashed)
    runner = CliRunner()
    index = ["--index", str(hashed.store.index_dir)]
    env = {"IQA_EMBEDDING__BACKEND": "hash"}
    shown = runner.invoke(app, ["ask", QUESTION, *index], env=env)
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if x.startswith("[1]"))
    assert "recorded/interview.vtt, at 0:05–0:" in line
    assert f"recording: {recorded_corpus / 'interview.wav'}" in line
    data = json.loads(runner.invoke(app, ["ask", QUESTION, *index, "--json"], env=env).output)
    assert data["citations"] and all(
        c["start_s"] in (5.0, 10.0) and c["media"] == str(recorded_corpus / "interview.wav")
        for c in data["citations"]
    )


def test_the_themes_digest_shows_the_time_next_to_each_quote() -> None:
    from interview_qa.assistant import Theme, ThemeQuote, ThemeReport, digest_markdown

    def quote(words: str, start: float, end: float) -> ThemeQuote:
        return ThemeQuote(
            "Lena Ortiz", "L.O.", words, "/r/interview.vtt", 0, len(words), "c", "r/i.vtt",
            start_time=start, end_time=end,
        )  # fmt: skip

    takeaway = quote("Saying no to good ideas is the hardest part.", 754.0, 771.0)
    theme = Theme(
        1, "saying no", ["saying no"], takeaway, ["L.O."], 1,
        [takeaway, quote("Every yes costs a quarter of focus.", 3725.0, 3731.5)], 2, 1.0,
    )  # fmt: skip
    report = ThemeReport([theme], [], [], "test", ["transcript"], None, {}, 1, 0.0)
    digest = digest_markdown(report, heatmap=None)
    assert "- L.O. (interview.vtt, 12:34–12:51)" in digest
    assert "- L.O. (interview.vtt, 1:02:05–1:02:11)" in digest
    assert "Saying no to good ideas is the hardest part. - L.O. (interview.vtt, 12:34–12:51)" in (
        digest
    )
