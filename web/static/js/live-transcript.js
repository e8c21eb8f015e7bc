// The live transcript panel, fed by LiveKit's `lk.transcription` text streams and kept in sessionStorage so a
// reload of the tab does not lose what was said. A segment arrives either as one stream of deltas (the agent) or
// as several streams each carrying the whole text so far (interim and final transcripts); both end up as one turn.

export class LiveTranscript {
  constructor({ list, empty, panel, storageKey, label }) {
    this.list = list;
    this.empty = empty;
    this.panel = panel;
    this.storageKey = storageKey;
    this.label = label;
    this.turns = new Map();
  }

  get size() {
    return this.turns.size;
  }

  async read(reader, speaker) {
    const attributes = reader.info.attributes || {};
    const segment = attributes["lk.segment_id"] || reader.info.id;
    let text = "";
    for await (const chunk of reader) {
      text += chunk;
      this.put(segment, speaker, text);
    }
  }

  put(id, speaker, text) {
    if (!text) return;
    const known = this.turns.get(id);
    this.turns.set(id, { id, speaker, text, at: known ? known.at : Date.now() });
    this.render(this.turns.get(id));
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify([...this.turns.values()]));
    } catch {
      // A full or disabled storage only costs the transcript's survival across a reload.
    }
  }

  render(turn) {
    let item = this.list.querySelector(`[data-segment="${CSS.escape(turn.id)}"]`);
    if (!item) {
      item = document.createElement("li");
      item.dataset.segment = turn.id;
      const who = document.createElement("div");
      who.className = "turn-meta speaker";
      item.append(who, document.createElement("p"));
      this.list.append(item);
    }
    item.className = `turn turn-${turn.speaker}`;
    item.firstChild.textContent = this.label(turn.speaker);
    item.lastChild.textContent = turn.text;
    this.empty.hidden = true;
    this.panel.scrollTop = this.panel.scrollHeight;
  }

  restore() {
    try {
      for (const turn of JSON.parse(sessionStorage.getItem(this.storageKey) || "[]")) {
        this.turns.set(turn.id, turn);
        this.render(turn);
      }
    } catch {
      sessionStorage.removeItem(this.storageKey);
    }
  }
}

// Whose words a stream carries: the respondent's own (sent by this participant, or transcribing one of its tracks)
// or the interviewer's.
export function speakerOf(localParticipant, reader, participant) {
  const trackId = (reader.info.attributes || {})["lk.transcribed_track_id"];
  const mine =
    participant.identity === localParticipant.identity ||
    (trackId && [...localParticipant.trackPublications.values()].some((publication) => publication.trackSid === trackId));
  return mine ? "respondent" : "agent";
}
