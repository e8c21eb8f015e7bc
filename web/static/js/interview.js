// The respondent's room: onboarding, consent and email, the microphone, the LiveKit call, the countdown to the
// server's ends_at and the live transcript. It only ever asks the public interview API: no goals, no guide.
import { pickLanguage, translator } from "./interview-text.js";
import { LiveTranscript, speakerOf } from "./live-transcript.js";

const $ = (id) => document.getElementById(id);
const main = $("main");
const token = main.dataset.token;
const api = `/api/interview/${encodeURIComponent(token)}`;
const EMAIL_KEY = `interview:${token}:email`;
const TRANSCRIPT_KEY = `interview:${token}:transcript`;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]{2,}$/;
const VIEWS = ["loading", "error", "onboarding", "mic", "call", "ended"];

let t = translator(pickLanguage("auto"));
let info = null;
let email = "";
let endsAt = null;
let room = null;
let livekit = null;
let leaving = false;
let finished = false;
let countdown = null;
let closeTimer = null;
// While no interviewer is in the room, the page asks the server why: still connecting, no interviewer free, or one
// that lost its connection and is being replaced. The answer is shown in words, not as a silent wait.
let interviewerPoll = null;
let interviewerNote = "";
const INTERVIEWER_POLL_MS = 3000;
const transcript = new LiveTranscript({
  list: $("live-transcript"),
  empty: $("transcript-empty"),
  panel: $("transcript-panel"),
  storageKey: TRANSCRIPT_KEY,
  label: (speaker) => (speaker === "agent" ? t("interviewer") : t("you")),
});

// ---- views and words --------------------------------------------------------------------------------------------

function show(name) {
  for (const view of VIEWS) $(`view-${view}`).hidden = view !== name;
  $("transcript-panel").hidden = !(name === "call" || (name === "ended" && transcript.size > 0));
}

function setLanguage(language) {
  t = translator(language);
  document.documentElement.lang = language;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = `${t("title")} · AI Interviewer`;
}

function formError(message) {
  const box = $("join-form").querySelector(".form-error");
  box.textContent = message || "";
  box.hidden = !message;
}

const ERRORS = ["not_found", "expired", "cancelled", "completed", "email_mismatch", "network"];

function showError(code, detail) {
  stopCall();
  const key = ERRORS.includes(code) ? code : "other";
  $("error-title").textContent = t(`error_${key}_title`);
  $("error-text").textContent = key === "other" ? detail || "" : t(`error_${key}_text`);
  const action = $("error-action");
  action.hidden = key === "expired" || key === "cancelled" || key === "completed" || key === "not_found";
  action.textContent = key === "email_mismatch" ? t("use_other_email") : t("retry");
  action.onclick =
    key === "email_mismatch"
      ? () => {
          showOnboarding();
          $("email").select();
        }
      : () => load();
  main.dataset.error = key;
  show("error");
  $("error-title").focus?.();
  if (key !== "network" && key !== "other") localStorage.removeItem(EMAIL_KEY);
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json", Accept: "application/json" } : { Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { ok: false, status: 0, body: { code: "network" } };
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { ok: response.ok, status: response.status, body: data || {} };
}

function fail(answer) {
  const code = answer.status === 0 ? "network" : answer.status === 404 ? "not_found" : answer.body.code || "other";
  showError(code, answer.body.detail);
}

// ---- onboarding -------------------------------------------------------------------------------------------------

async function load() {
  show("loading");
  const answer = await call("GET", api);
  if (!answer.ok) {
    fail(answer);
    return;
  }
  info = answer.body;
  setLanguage(pickLanguage(info.language));
  const topics = info.topics || [];
  $("topics-list").replaceChildren(...topics.map((topic) => Object.assign(document.createElement("li"), { textContent: topic })));
  $("topics-list").hidden = topics.length === 0;
  $("topics-none").hidden = topics.length !== 0;
  $("duration-text").textContent = t("duration_text", { minutes: info.duration_minutes });
  $("test-notice").hidden = !info.test;
  if (info.status === "active" && info.ends_at) startCountdown(new Date(info.ends_at));
  transcript.restore();
  showOnboarding();
}

function showOnboarding() {
  const rejoining = info && info.status === "active";
  $("rejoin-note").hidden = !rejoining;
  $("consent-row").hidden = rejoining;
  $("start-button").textContent = rejoining ? t("rejoin") : t("start");
  $("start-button").disabled = false;
  $("email").value = $("email").value || localStorage.getItem(EMAIL_KEY) || "";
  formError("");
  show("onboarding");
}

$("join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  formError("");
  const rejoining = info && info.status === "active";
  if (!rejoining && !$("consent").checked) {
    formError(t("need_consent"));
    $("consent").focus();
    return;
  }
  const value = $("email").value.trim();
  if (!EMAIL_RE.test(value)) {
    formError(t("need_email"));
    $("email").focus();
    return;
  }
  email = value;
  localStorage.setItem(EMAIL_KEY, email);
  $("start-button").disabled = true;
  $("start-button").textContent = t("mic_checking");
  if (await microphoneAllowed()) await join();
});

// ---- microphone -------------------------------------------------------------------------------------------------

async function microphoneAllowed() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showMicrophoneProblem("unsupported");
    return false;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const track of stream.getTracks()) track.stop();
    return true;
  } catch (error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") showMicrophoneProblem("denied");
    else if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") showMicrophoneProblem("missing");
    else showMicrophoneProblem("error");
    return false;
  }
}

function showMicrophoneProblem(kind) {
  main.dataset.mic = kind;
  $("mic-title").textContent = t(`mic_${kind}_title`);
  $("mic-text").textContent = t(`mic_${kind}_text`);
  show("mic");
  $("mic-retry").focus();
}

$("mic-retry").addEventListener("click", async () => {
  $("mic-retry").disabled = true;
  const allowed = await microphoneAllowed();
  $("mic-retry").disabled = false;
  if (allowed) await join();
});

// ---- joining and the call ---------------------------------------------------------------------------------------

async function join() {
  const answer = await call("POST", `${api}/join`, { email });
  if (!answer.ok) {
    if (answer.status === 422) {
      showOnboarding();
      formError(t("need_email"));
      return;
    }
    fail(answer);
    return;
  }
  info = { ...(info || {}), status: "active" };
  startCountdown(new Date(answer.body.ends_at));
  finished = false;
  leaving = false;
  show("call");
  await connect(answer.body);
}

function isLocal(url) {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host.endsWith(".localhost") || host === "::1" || host.startsWith("127.");
  } catch {
    return false;
  }
}

function setConnection(state) {
  const pill = $("conn-state");
  pill.hidden = false;
  pill.dataset.state = state;
  pill.textContent = t(`conn_${state}`);
}

function callMessage(text, withRejoin) {
  $("call-message").textContent = text || "";
  $("call-message").hidden = !text;
  const button = $("reconnect-button");
  button.hidden = !withRejoin;
  button.textContent = t("rejoin_now");
}

async function connect(grant) {
  setConnection("connecting");
  callMessage("", false);
  setAgentState("waiting");
  try {
    livekit = livekit || (await import("/static/vendor/livekit-client.js"));
  } catch {
    setConnection("failed");
    setAgentState("absent");
    callMessage(t("connect_failed"), true);
    return;
  }
  const { Room, RoomEvent, Track } = livekit;
  if (room) await room.disconnect().catch(() => {});
  const current = new Room({ audioCaptureDefaults: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  room = current;
  // Until the first connect succeeds, its failure is reported by the catch below, not by the room's events.
  let connected = false;
  current.registerTextStreamHandler("lk.transcription", (reader, participant) => {
    transcript.read(reader, speakerOf(current.localParticipant, reader, participant)).catch(() => {});
  });
  current
    .on(RoomEvent.ConnectionStateChanged, (state) => {
      if (current !== room || (!connected && state === "disconnected")) return;
      if (state === "signalReconnecting") setConnection("reconnecting");
      else if (["connecting", "connected", "reconnecting", "disconnected"].includes(state)) setConnection(state);
      refreshMute();
    })
    .on(RoomEvent.Disconnected, () => {
      if (current === room && connected) onDisconnected();
    })
    .on(RoomEvent.TrackSubscribed, (track) => {
      if (track.kind === Track.Kind.Audio) $("audio-sink").append(track.attach());
    })
    .on(RoomEvent.TrackUnsubscribed, (track) => {
      for (const element of track.detach()) element.remove();
    })
    .on(RoomEvent.ActiveSpeakersChanged, () => updateAgent(current))
    .on(RoomEvent.ParticipantAttributesChanged, () => updateAgent(current))
    .on(RoomEvent.ParticipantConnected, () => updateAgent(current))
    .on(RoomEvent.ParticipantDisconnected, async (participant) => {
      updateAgent(current);
      if (!participant.isAgent || current !== room || finished) return;
      if (await endedByServer()) finish();
      else if (!hasAgent(current)) interviewerMessage("interviewer_reconnecting");
    })
    .on(RoomEvent.LocalTrackPublished, refreshMute)
    .on(RoomEvent.TrackMuted, refreshMute)
    .on(RoomEvent.TrackUnmuted, refreshMute)
    .on(RoomEvent.AudioPlaybackStatusChanged, () => {
      $("enable-audio").hidden = current.canPlaybackAudio;
    });
  try {
    await current.connect(grant.livekit_url, grant.token, isLocal(grant.livekit_url) ? { rtcConfig: { iceServers: [] } } : {});
    connected = true;
  } catch {
    if (current !== room) return;
    setConnection("failed");
    setAgentState("absent");
    refreshMute();
    callMessage(t("connect_failed"), true);
    return;
  }
  try {
    await current.localParticipant.setMicrophoneEnabled(true);
  } catch {
    callMessage(t("mic_error_text"), false);
  }
  current.startAudio().catch(() => {});
  $("enable-audio").hidden = current.canPlaybackAudio;
  refreshMute();
  updateAgent(current);
}

// The interviewer ended the interview, or the server did: the page ends too instead of offering to rejoin.
async function endedByServer() {
  const answer = await call("GET", api);
  return !answer.ok && answer.body.code === "completed";
}

async function onDisconnected() {
  if (leaving || finished) return;
  if ((endsAt && endsAt - Date.now() <= 0) || (await endedByServer())) {
    finish();
    return;
  }
  setConnection("disconnected");
  setAgentState("absent");
  refreshMute();
  callMessage(t("connection_lost"), true);
}

$("reconnect-button").addEventListener("click", async () => {
  $("reconnect-button").disabled = true;
  await join();
  $("reconnect-button").disabled = false;
});

$("enable-audio").addEventListener("click", () => {
  room?.startAudio().then(() => {
    $("enable-audio").hidden = true;
  }, () => {});
});

function setAgentState(state) {
  $("agent-indicator").hidden = state === "absent";
  $("agent-indicator").dataset.state = state;
  if (state === "absent") return;
  $("agent-state").textContent = t(`agent_${state}`);
}

function hasAgent(current) {
  return [...current.remoteParticipants.values()].some((p) => p.isAgent);
}

function updateAgent(current) {
  if (current !== room) return;
  const others = [...current.remoteParticipants.values()];
  const agent = others.find((p) => p.isAgent) || others[0];
  if (!agent) {
    setAgentState(interviewerNote === "interviewer_reconnecting" ? "reconnecting" : "waiting");
    watchInterviewer(current);
    return;
  }
  stopWatchingInterviewer();
  interviewerMessage("");
  const declared = (agent.attributes || {})["lk.agent.state"];
  if (declared === "speaking" || agent.isSpeaking) setAgentState("speaking");
  else if (declared === "thinking") setAgentState("thinking");
  else setAgentState("listening");
}

// Say in words why no interviewer is in the room, or clear what was said. Other call messages are left alone.
function interviewerMessage(key) {
  if (key === interviewerNote) return;
  const shown = interviewerNote && $("call-message").textContent === t(interviewerNote);
  interviewerNote = key;
  if (key) callMessage(t(key), false);
  else if (shown) callMessage("", false);
  if (key === "interviewer_reconnecting") setAgentState("reconnecting");
}

function watchInterviewer(current) {
  if (interviewerPoll || finished) return;
  const ask = async () => {
    if (current !== room || finished || hasAgent(current)) {
      stopWatchingInterviewer();
      return;
    }
    const answer = await call("GET", api);
    if (current !== room || finished || hasAgent(current)) return;
    if (!answer.ok) {
      if (answer.body.code === "completed") finish();
      return;
    }
    const state = answer.body.interviewer;
    if (state === "busy") interviewerMessage("interviewer_busy");
    else if (state === "reconnecting") interviewerMessage("interviewer_reconnecting");
  };
  interviewerPoll = setInterval(ask, INTERVIEWER_POLL_MS);
  ask();
}

function stopWatchingInterviewer() {
  clearInterval(interviewerPoll);
  interviewerPoll = null;
}

function refreshMute() {
  const button = $("mute-button");
  const enabled = Boolean(room && room.localParticipant.isMicrophoneEnabled);
  button.disabled = !room || room.state !== "connected";
  button.hidden = button.disabled;
  button.setAttribute("aria-pressed", String(!enabled));
  button.textContent = enabled ? t("mute") : t("unmute");
  $("muted-note").hidden = enabled || button.disabled;
}

$("mute-button").addEventListener("click", async () => {
  if (!room) return;
  const button = $("mute-button");
  button.disabled = true;
  try {
    await room.localParticipant.setMicrophoneEnabled(!room.localParticipant.isMicrophoneEnabled);
  } finally {
    refreshMute();
  }
});

// ---- leaving, the clock and the end ----------------------------------------------------------------------------

$("leave-button").addEventListener("click", () => $("leave-dialog").showModal());

$("leave-dialog").addEventListener("close", async () => {
  if ($("leave-dialog").returnValue !== "leave") return;
  leaving = true;
  await call("POST", `${api}/leave`, { email });
  finish();
});

function startCountdown(at) {
  endsAt = at;
  clearInterval(countdown);
  $("countdown").hidden = false;
  tick();
  countdown = setInterval(tick, 1000);
}

function tick() {
  const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
  $("countdown-value").textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  $("countdown").classList.toggle("warning", left <= 60);
  if (left > 0) return;
  clearInterval(countdown);
  if (!$("view-call").hidden && !finished) {
    callMessage(t("time_up"), false);
    // The interviewer closes the conversation and ends the room; this only stops the page if it never does.
    clearTimeout(closeTimer);
    closeTimer = setTimeout(finish, 30_000);
  }
}

function stopCall() {
  stopWatchingInterviewer();
  clearInterval(countdown);
  clearTimeout(closeTimer);
  $("countdown").hidden = true;
  const current = room;
  room = null;
  if (current) current.disconnect().catch(() => {});
  for (const element of $("audio-sink").querySelectorAll("audio")) element.remove();
}

function finish() {
  finished = true;
  stopCall();
  localStorage.removeItem(EMAIL_KEY);
  $("conn-state").hidden = true;
  show("ended");
}

window.addEventListener("pagehide", () => {
  if (room) room.disconnect().catch(() => {});
});

load();
