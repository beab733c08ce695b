"""Speakers: mono diarization on assembled two-speaker conversations (espeak-ng voices of
different variants and pitch), word-level splitting, same-signal stereo treated as mono,
and speaker names carried across interviews. Real offline model, real voice encoder."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from qualkit.services import projects, transcript_editor, transcription
from qualkit.store.models import SpeakerVoice
from qualkit.transcription import diarize, speakers
from qualkit.transcription.engines import Piece, Word
from qualkit.transcription.pipeline import label_voices, transcribe_file

from .conftest import ctx_as
from .speech import CONVERSATION, IN_CI, conversation, dialogue_stereo, read_pcm, write_pcm


@pytest.fixture(scope="session")
def voice_encoder():
    if not diarize.available():
        if IN_CI:
            pytest.fail("the diarization extra is required in CI (scripts/setup.sh installs it)")
        pytest.skip("the diarization extra (resemblyzer, torch) is not installed")
    return diarize.encoder()


@pytest.fixture(scope="module")
def two_voices(speech_dir):
    return conversation(speech_dir, name="two_voices.wav")


def _turn_speakers(segments, ref) -> list[str | None]:
    """The majority speaker of the words inside each reference turn."""
    out = []
    for a, b, _who in ref:
        votes: dict[str, float] = {}
        for s in segments:
            for w in s.words:
                mid = (w.start + w.end) / 2
                if a - 0.2 <= mid <= b + 0.2 and s.speaker:
                    votes[s.speaker] = votes.get(s.speaker, 0) + (w.end - w.start)
        out.append(max(votes, key=votes.get) if votes else None)
    return out


@pytest.fixture(scope="module")
def mono_result(two_voices, offline_model, voice_encoder):
    wav, ref = two_voices
    return transcribe_file(wav), ref


@pytest.mark.slow
def test_mono_conversation_gets_two_speakers_turn_by_turn(mono_result):
    result, ref = mono_result
    assert result.speaker_method == "voices"
    found = _turn_speakers(result.segments, ref)
    a, b = found[0], found[1]
    assert {a, b} == {"Taler 1", "Taler 2"}
    # The speakers alternate exactly as the reference turns do (A B A B A B).
    assert found == [a if who == "A" else b for *_t, who in ref]
    assert set(result.voices) == {"Taler 1", "Taler 2"}
    # Every segment has one speaker; no segment spans two reference turns of different people.
    for s in result.segments:
        assert s.speaker in ("Taler 1", "Taler 2")


def test_one_voice_is_one_speaker_unless_the_user_says_otherwise(speech_dir, voice_encoder):
    from qualkit.transcription.audio import read_all

    from .speech import SENTENCES, espeak

    parts, rate = [], 22050
    for i, text in enumerate(SENTENCES * 2):
        samples, rate = read_pcm(espeak(text, speech_dir / f"one_voice_{i}.wav"))
        parts += [samples, np.zeros(int(0.7 * rate), dtype=np.float32)]
    wav = write_pcm(speech_dir / "one_voice.wav", [np.concatenate(parts)], rate)
    mono = read_all(wav).mono
    # Word times where there is sound (the engine's words, without running the model).
    loud = np.abs(mono[: len(mono) // 1600 * 1600]).reshape(-1, 1600).mean(axis=1) > 0.01
    words = [Word(i * 0.1, i * 0.1 + 0.1, " x") for i in np.nonzero(loud)[0]]
    collector = diarize.Collector()
    collector.add(mono, 0.0, [Piece(0.0, len(mono) / 16000, "x", None, words)])
    assert len(diarize.diarize(collector).voices) == 1
    assert len(diarize.diarize(collector, speakers=2).voices) == 2


def test_a_segment_that_changes_speaker_midway_is_split():
    words = [Word(0.2 * i, 0.2 * i + 0.18, f" w{i}") for i in range(12)]
    piece = Piece(0.0, words[-1].end, "".join(w.text for w in words).strip(), None, words)
    times = np.arange(0.1, 2.4, 0.2)
    labels = np.array([0] * 6 + [1] * 6)
    found = diarize.Diarization(times, labels, {0: np.ones(2), 1: np.ones(2)})
    out = diarize.assign([piece], found, {0: "Taler 1", 1: "Taler 2"})
    assert [(p.speaker, p.text) for p in out] == [
        ("Taler 1", "w0 w1 w2 w3 w4 w5"),
        ("Taler 2", "w6 w7 w8 w9 w10 w11"),
    ]
    assert out[0].end == words[5].end and out[1].start == words[6].start
    # One stray word by "the other speaker" does not split a turn.
    flicker = diarize.Diarization(times, np.array([0] * 5 + [1] + [0] * 6), found.voices)
    assert len(diarize.assign([piece], flicker, {0: "A", 1: "B"})) == 1


def test_label_voices_names_two_voices_and_leaves_one_voice_unlabelled():
    """The speaker step on its own (the pipeline and bench/diarization_der.py share it)."""
    words = [Word(0.5 * i, 0.5 * i + 0.4, f" w{i}") for i in range(12)]

    def piece() -> list[Piece]:
        return [Piece(0.0, words[-1].end, "".join(w.text for w in words).strip(), None, words)]

    rng = np.random.default_rng(3)
    a, b = np.eye(256)[0], np.eye(256)[1]  # two voices, far apart
    vectors = [v + rng.normal(0, 0.02, 256) for v in [a] * 6 + [b] * 6]
    vectors = [v / np.linalg.norm(v) for v in vectors]
    times = [w.start + 0.2 for w in words]
    two = diarize.Collector(list(times), vectors)
    segments, voices = label_voices(piece(), two, None)
    assert sorted(voices) == ["Taler 1", "Taler 2"]
    assert [(s.speaker, s.text) for s in segments] == [
        ("Taler 1", "w0 w1 w2 w3 w4 w5"),
        ("Taler 2", "w6 w7 w8 w9 w10 w11"),
    ]
    one = diarize.Collector(list(times), [a + rng.normal(0, 0.02, 256) for _ in words])
    segments, voices = label_voices(piece(), one, None)
    assert voices == {} and [s.speaker for s in segments] == [None]


def test_channel_correlation_tells_same_signal_from_two_microphones(speech_dir):
    from qualkit.transcription.audio import read_all

    wav = dialogue_stereo(speech_dir)

    two = read_all(wav).samples
    assert speakers.channels_differ(two)
    mono = two.mean(axis=0)
    rng = np.random.default_rng(3)
    same = np.stack([mono, 0.6 * mono + rng.normal(0, 0.002, mono.shape)]).astype(np.float32)
    assert speakers.channel_correlation(same) > 0.95 and not speakers.channels_differ(same)


@pytest.mark.slow
def test_same_signal_stereo_is_treated_as_mono(
    two_voices, speech_dir, offline_model, voice_encoder
):
    wav, ref = two_voices
    samples, rate = read_pcm(wav)
    noise = np.random.default_rng(5).normal(0, 20, samples.shape).astype(np.float32)
    stereo = write_pcm(speech_dir / "same_signal.wav", [samples, 0.7 * samples + noise], rate)
    result = transcribe_file(stereo, speakers=2)
    assert result.speaker_method == "voices"
    assert not any((s.speaker or "").startswith("Kanal") for s in result.segments)
    found = _turn_speakers(result.segments, ref)
    assert len(set(found)) == 2 and found[0] != found[1] and found[0] == found[2]


@pytest.mark.slow
def test_speaker_names_carry_to_the_next_interview_and_go_with_the_audio(
    sqlite_demo, speech_dir, offline_model, voice_encoder
):
    db, result = sqlite_demo
    pid = result.project_id
    ctx = ctx_as(db, pid, "evaluator")
    first_wav, ref = conversation(speech_dir, name="first.wav")
    second_wav, ref2 = conversation(
        speech_dir, CONVERSATION[2:] + CONVERSATION[:2], name="second.wav"
    )
    ids = []
    for title, wav in (("Første", first_wav), ("Andet", second_wav)):
        iid = transcription.new_interview(ctx, title)
        transcription.attach_audio(ctx, iid, wav.name, wav.read_bytes())
        ids.append(iid)
    transcription.start_transcription(ctx, ids[0], speakers=2, wait=True)
    segs = transcript_editor.editor_data(ctx, ids[0])["segments"]
    interviewer = segs[0]["speaker"]  # the first turn is A's, the interviewer
    other = next(s["speaker"] for s in segs if s["speaker"] != interviewer)
    transcript_editor.rename_speaker(ctx, ids[0], interviewer, "Interviewer")
    transcript_editor.rename_speaker(ctx, ids[0], other, "B03")
    transcription.start_transcription(ctx, ids[1], speakers=2, wait=True)
    second = transcript_editor.editor_data(ctx, ids[1])
    assert set(second["speakers"]) == {"Interviewer", "B03"}
    by_turn = [s["speaker"] for s in second["segments"]]
    assert by_turn[0] == "Interviewer"  # the second interview also opens with A
    proposed = {p.name: p for p in transcription.proposals(ctx, ids[1])}
    assert set(proposed) == {"Interviewer", "B03"}
    assert (
        proposed["Interviewer"].from_interview == ids[0]
        and proposed["Interviewer"].similarity > 0.8
    )
    with db.session() as s:
        assert s.scalar(select(func.count(SpeakerVoice.id))) == 4
    # Retention: approving deletes the audio, and the voices go with it.
    projects.update_settings(ctx_as(db, pid, "admin"), delete_audio_on_approve=True)
    assert transcription.approve_transcript(ctx, ids[0])["audio_deleted"]
    with db.session() as s:
        left = s.scalars(select(SpeakerVoice.interview_id)).all()
    assert sorted(set(left)) == [ids[1]]
