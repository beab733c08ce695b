"""Batched and sequential decoding give the same words; word times; cuts in pauses.

Real parts: espeak-ng Danish speech (tests/speech.py) and the offline Whisper base model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from qualkit.transcription import audio
from qualkit.transcription.engines import Decoding, Word, choose_decoding, regroup
from qualkit.transcription.formats import to_json
from qualkit.transcription.pipeline import transcribe_file

from .speech import SENTENCES, espeak, read_pcm, write_pcm


@pytest.fixture(scope="module")
def three_sentences(speech_dir):
    """The three test sentences, 0.8 s apart: about 12 s of Danish speech."""
    parts, rate = [], 22050
    for i, text in enumerate(SENTENCES):
        samples, rate = read_pcm(espeak(text, speech_dir / f"three_{i}.wav"))
        parts += [samples, np.zeros(int(0.8 * rate), dtype=np.float32)]
    return write_pcm(speech_dir / "three_sentences.wav", [np.concatenate(parts)], rate)


def _words(result) -> list[str]:
    return [w.text.strip() for s in result.segments for w in s.words]


@pytest.mark.slow
def test_batched_and_sequential_give_the_same_words(three_sentences, offline_model):
    batched = transcribe_file(three_sentences, decoding=Decoding.BATCHED, speakers=1)
    sequential = transcribe_file(three_sentences, decoding=Decoding.SEQUENTIAL, speakers=1)
    assert batched.decoding == "batched" and sequential.decoding == "sequential"
    assert len(_words(batched)) >= 15
    assert _words(batched) == _words(sequential)
    for result in (batched, sequential):
        last = 0.0
        for seg in result.segments:
            assert seg.words, seg
            # A segment is its words: same text, times inside the recording, in order.
            assert seg.text == "".join(w.text for w in seg.words).strip()
            assert seg.start == seg.words[0].start and seg.end == seg.words[-1].end
            for w in seg.words:
                assert last - 0.05 <= w.start <= w.end <= result.duration + 0.05
                last = w.start
    # The json file keeps docs/DESIGN.md's fields exactly (word times go to the database).
    data = json.loads(to_json(batched))
    assert set(data["segments"][0]) == {"start", "end", "speaker", "text"}


def test_decoding_choice_batched_unless_sequential_is_asked():
    assert choose_decoding() == Decoding.BATCHED
    assert choose_decoding(Decoding.AUTO) == Decoding.BATCHED
    assert choose_decoding(Decoding.SEQUENTIAL) == Decoding.SEQUENTIAL


def test_regroup_cuts_turns_at_sentence_end_and_pause():
    words = [
        Word(0.0, 0.3, " Hvordan"),
        Word(0.35, 0.6, " gik"),
        Word(0.65, 0.9, " det?"),
        Word(1.5, 1.8, " Godt,"),
        Word(1.85, 2.1, " tak."),
        Word(2.2, 2.4, " Og"),  # no pause after "tak.": same turn
        Word(4.0, 4.3, " så"),  # a long pause: new turn
    ]
    pieces = regroup(words)
    assert [p.text for p in pieces] == ["Hvordan gik det?", "Godt, tak. Og", "så"]
    assert [(p.start, p.end) for p in pieces] == [(0.0, 0.9), (1.5, 2.4), (4.0, 4.3)]


def test_chunks_are_cut_in_pauses_found_by_vad(tmp_path, mono_clip):
    speech, rate = read_pcm(mono_clip)
    gap = np.zeros(int(rate * 0.6), dtype=np.float32)
    noise = (np.random.default_rng(1).standard_normal(gap.shape) * 30).astype(np.float32)
    # Pauses with a little room noise: energy alone would not single them out.
    long = write_pcm(tmp_path / "pauses.wav", [np.concatenate([speech, gap + noise] * 5)], rate)
    whole = audio.read_all(long).samples[0]
    period = (len(speech) + len(gap)) * audio.SAMPLE_RATE / rate
    n_speech = len(speech) * audio.SAMPLE_RATE / rate
    chunks = list(audio.iter_chunks(long, chunk_seconds=8.0, search_seconds=5.0))
    assert len(chunks) >= 3
    assert sum(c.samples.shape[1] for c in chunks) == whole.shape[0]
    for c in chunks[1:]:
        # Every cut lies in a pause, never inside the sentence (a word).
        within = (c.offset * audio.SAMPLE_RATE) % period
        assert n_speech - 800 < within < period + 800, (c.offset, within, n_speech, period)
