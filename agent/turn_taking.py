"""When the respondent's turn is over and when the agent yields: the one place these settings are chosen.

Silero VAD hears speech; `TranscriptTurnDetector` decides whether a pause ends the respondent's turn, from the words
the STT heard: an answer that stops on "and", "the", "is", "because", a filler or a trailing comma is not over.

Why not LiveKit's local end-of-turn model `v1-mini`: it is acoustic (it hears the last 1.2 s of audio, the prosody
of the sentence's end, not the words), and on this product's offline voices it cannot tell a finished answer from a
pause (`python -m bench.end_of_turn`, docs/benchmarks.md): at the 0.2 s of silence it is asked after, it judged 1
of 12 finished espeak-ng answers over (p 0.09 to 0.25 against the 0.36 threshold, the flat synthetic prosody has no
falling end), and the Piper voice's clause ends and finished answers overlap (p 0.16 to 0.53 against 0.03 to 0.39).
Every "not over" verdict costs the whole `max_delay`, which is why a third of the turns waited 4 s. The transcript
is there anyway (Whisper runs when the VAD says the speech ended), and whether a sentence is grammatically
unfinished is what an interviewer goes by. `turn_detector()` still gives the pinned `v1-mini` for those who prefer
it (cloud `v1` is never picked: a self-hosted worker must not call a gateway).

- Endpointing waits at least 0.5 s after speech (a breath between two sentences is not the end of an answer) and,
  for an unfinished sentence, up to 2.5 s: interviewees pause to think and must not be cut off, but a clear answer
  gets a reply without seconds of dead air. The VAD reports the end of speech after 0.3 s of silence (Silero's
  default is 0.55 s), so the transcript, and the verdict on it, come sooner; and Whisper starts on the answer after
  0.12 s of that silence (`agent.speech.stt.PauseWatch`), so the transcript is ready sooner still.
- The agent yields at once: Silero hears speech over the agent after 0.15 s of it and the agent's audio pauses then
  (in the room that is under half a second from the respondent's first sound to silence at their ear). What was
  said is transcribed when the speech ends: a backchannel ("mm-hm", "okay") or a noise leaves no transcript while
  the agent holds the floor, so the agent resumes its sentence 0.5 s later; anything else is a turn, and the agent
  answers it. Interruption is VAD-based (pinned: the adaptive detector is a cloud model).
- No echo warm-up: the framework otherwise ignores the respondent for the first 3 s of the agent's first speech,
  in case the browser's echo canceller is still adapting, which means the greeting cannot be interrupted at all.
  The respondent's page asks the browser for echo cancellation, and a line heard back from the speakers would at
  worst pause the agent and be dropped as no answer.
- The reply is not drafted while the respondent is still talking (no preemptive generation): an interviewer listens
  to the whole answer first, and a half-heard answer must not steer the next question.
"""

from __future__ import annotations

import re

from livekit.agents import llm
from livekit.agents.inference import TurnDetector
from livekit.agents.language import LanguageCode
from livekit.agents.voice.turn import TurnHandlingOptions
from livekit.local_inference import init_eot

# Seconds the agent ignores the respondent after it starts speaking; None: never.
AEC_WARMUP: float | None = None
# Silero's end of speech: 0.3 s of silence.
VAD_MIN_SILENCE = 0.3

TURN_HANDLING: TurnHandlingOptions = {
    "endpointing": {"mode": "fixed", "min_delay": 0.5, "max_delay": 2.5},
    "interruption": {
        "mode": "vad",
        "min_duration": 0.15,
        "min_words": 0,
        "resume_false_interruption": True,
        "false_interruption_timeout": 0.5,
    },
    "preemptive_generation": {"enabled": False},
}


# Words a sentence does not end on: articles, prepositions, conjunctions, auxiliaries, subjects, fillers.
_OPEN_EN = (
    "a an the my our your their its every "
    "of to at for with from about into onto by through between than as "
    "and but or because since although though unless until while when whenever whether if "
    "also just really very quite usually "
    "is are was were been being am "
    "i we they he she um uh er erm"
)
_OPEN_RU = (
    "и а но или да что чтобы потому поэтому если когда пока хотя как где который которая которые которое чем "
    "в во на с со к ко по о об у из за для от до при про без через над под между перед это этот эта эти мой моя "
    "мои наш наша наши ваш свой очень тоже также просто ещё еще уже не ни бы же ли я мы вы они он она оно ну э эм"
)
_OPEN = set(_OPEN_EN.split()) | set(_OPEN_RU.split())
# "on" ends a sentence after these ("and so on", "later on", "go on").
_ON_ENDS = {"so", "later", "now", "going", "go", "goes", "went", "carry", "move", "moved", "hold", "come", "turn"}
# A clause that opens with one of these and has not yet reached its main clause ("When something comes in,").
_SUBORDINATE = re.compile(
    r"^(when|if|because|although|though|while|before|after|since|unless|once|as soon as|whenever|"
    r"когда|если|потому что|хотя|пока|прежде чем|после того как|как только)\b",
    re.I,
)
_WORD = re.compile(r"[\w'’-]+", re.U)


def sentence_is_unfinished(text: str) -> bool:
    """Whether a transcript stops where no sentence ends: on an open word, a comma, a dash or an ellipsis, or with a
    subordinate clause still waiting for its main clause."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith((",", "-", "–", "—", "...", "…", ":", ";")):
        return True
    words = _WORD.findall(stripped.lower())
    if not words:
        return False
    if words[-1] in _OPEN:
        return True
    before = words[-2] if len(words) > 1 else ""
    if words[-1] == "on" and before not in _ON_ENDS:  # "I write it on" waits; "and so on" ends
        return True
    if words[-1] in ("then", "потом", "затем") and before in ("and", "but", "so", "и", "а", "но"):
        return True
    last = re.split(r"(?<=[.!?])\s+", stripped)[-1]
    return bool(_SUBORDINATE.match(last)) and "," not in last.strip(" .!?")


class TranscriptTurnDetector:
    """A text end-of-turn detector (the framework's `_TurnDetector` protocol) over the respondent's transcript."""

    UNFINISHED, FINISHED, THRESHOLD = 0.05, 0.95, 0.5

    @property
    def model(self) -> str:
        return "transcript-syntax"

    @property
    def provider(self) -> str:
        return "ai-interviewer"

    async def unlikely_threshold(self, language: LanguageCode | None) -> float | None:
        return self.THRESHOLD

    async def supports_language(self, language: LanguageCode | None) -> bool:
        return True

    async def predict_end_of_turn(self, chat_ctx: llm.ChatContext, *, timeout: float | None = None) -> float:
        said = [m for m in chat_ctx.items if isinstance(m, llm.ChatMessage) and m.role == "user"]
        text = said[-1].text_content if said else ""
        return self.UNFINISHED if sentence_is_unfinished(text or "") else self.FINISHED


def turn_detector() -> TurnDetector:
    """LiveKit's local acoustic model, pinned (see the module's note on why it is not the default)."""
    return TurnDetector(version="v1-mini")


def load_turn_detector() -> TranscriptTurnDetector:
    """The session's detector; nothing to load for the transcript detector."""
    return TranscriptTurnDetector()


def load_v1_mini() -> TurnDetector:
    """v1-mini with its weights loaded now (a prewarm hook) rather than in the first interview's first turn."""
    init_eot()
    return turn_detector()


def turn_handling(
    detector: TranscriptTurnDetector | TurnDetector | None = None, *, interim_words: bool = False
) -> TurnHandlingOptions:
    """The session's turn handling, with the pinned local end-of-turn model. An STT that hears words while they are
    said (`interim_results`) also has to hear two before the agent yields; Whisper has words only at the end, and
    requiring them would keep the agent talking over the respondent."""
    interruption = {**TURN_HANDLING["interruption"], "min_words": 2 if interim_words else 0}
    return {**TURN_HANDLING, "interruption": interruption, "turn_detection": detector or TranscriptTurnDetector()}
