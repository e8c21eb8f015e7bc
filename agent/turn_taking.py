"""When the respondent's turn is over and when the agent yields: the one place these settings are chosen.

Silero VAD hears speech, and LiveKit's end-of-turn model `v1-mini` decides whether a pause ends the respondent's
turn. The version is pinned: left unset, `TurnDetector` picks the cloud `v1` in dev mode, and a self-hosted worker
must never call a gateway. v1-mini runs in-process from the weights shipped in `livekit-local-inference`; for a
language it has no calibrated threshold for (Russian) it uses the English one, and the endpointing bounds still hold.
- Endpointing waits at least 0.6 s after speech (0.1 s over the default: a breath between two sentences is not the
  end of an answer) and up to 4 s when the model thinks the sentence goes on: interviewees pause to think and must
  not be cut off, but a clear answer gets a reply without seconds of dead air (LiveKit's benchmark puts v1-mini at
  about 1.07 s of dead air at a 5 % premature-cut rate, against 1.6 s for VAD alone).
- Interruption is VAD-based (pinned: the adaptive detector is a cloud model) and needs 0.8 s of speech: a cough or
  a "mm-hm" does not stop the agent; a real interjection does. A streaming STT also has to hear two words. A
  non-streaming one (Whisper, or any STT behind the VAD stream adapter) has no words until the respondent pauses,
  so requiring words there would keep the agent talking over them: the duration alone decides. Speech that turns
  out to be noise resumes the agent's sentence after 1.5 s of silence.
- The reply is not drafted while the respondent is still talking (no preemptive generation): an interviewer listens
  to the whole answer first, and a half-heard answer must not steer the next question.
"""

from __future__ import annotations

from livekit.agents.inference import TurnDetector
from livekit.agents.voice.turn import TurnHandlingOptions
from livekit.local_inference import init_eot

TURN_HANDLING: TurnHandlingOptions = {
    "endpointing": {"mode": "fixed", "min_delay": 0.6, "max_delay": 4.0},
    "interruption": {
        "mode": "vad",
        "min_duration": 0.8,
        "min_words": 0,
        "resume_false_interruption": True,
        "false_interruption_timeout": 1.5,
    },
    "preemptive_generation": {"enabled": False},
}


def turn_detector() -> TurnDetector:
    return TurnDetector(version="v1-mini")


def load_turn_detector() -> TurnDetector:
    """The detector, with its weights loaded now (a prewarm hook) rather than in the first interview's first turn."""
    init_eot()
    return turn_detector()


def turn_handling(detector: TurnDetector | None = None, *, streaming_stt: bool = False) -> TurnHandlingOptions:
    """The session's turn handling, with the pinned local end-of-turn model."""
    interruption = {**TURN_HANDLING["interruption"], "min_words": 2 if streaming_stt else 0}
    return {**TURN_HANDLING, "interruption": interruption, "turn_detection": detector or turn_detector()}
