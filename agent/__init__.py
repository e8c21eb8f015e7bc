"""The AI interviewer: a LiveKit Agents worker that conducts the interviews the control plane dispatches."""

import os

# numpy's OpenBLAS starts a thread per core as numpy is imported, and each spins on a core for a while after every
# matrix product (Whisper's mel filters, once per transcription): 12 % of a worker's CPU at one interview, for
# products of a few milliseconds. One thread: no pool, no spinning. Set before anything here imports numpy; a value
# the operator set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
