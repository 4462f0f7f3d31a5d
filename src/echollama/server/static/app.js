// echollama page: photo -> streamed spoken description; a question (talk.js, or typed) -> streamed spoken answer;
// Stop (and Escape, and starting to talk) silences it at once and tells the server. Plain scripts, no build step:
// playback.js plays the audio, talk.js records questions, reading.js reads the photo's text. Every change a listener
// needs to know about goes to a live region, briefly: answers as screen reader text go there one sentence at a time.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"), error: $("error"), spoken: $("spoken"), stop: $("stop"), spaceShortcut: $("space-shortcut"),
  photo: $("photo"), photoFile: $("photo-file"), preview: $("preview"), detail: $("detail"),
  description: $("description"), descriptionAudio: $("description-audio"), talk: $("talk"), form: $("ask-form"),
  question: $("question"), ask: $("ask"), answering: $("answering"), stream: $("answer-stream"), log: $("log"),
  readText: $("read-text"), reading: $("reading"), readingAudio: $("reading-audio"),
};
const state = {
  file: null, sessionId: null, socket: null, recorder: null, recordStart: 0, pressedAt: 0, pointerUpAt: 0,
  asked: 0,       // questions sent on this socket; the server numbers them the same way (answer_id)
  wanted: 0,      // the answer being listened to (0: none, e.g. after Stop)
  owner: 0,       // the answer the next binary audio frames belong to
  answer: null,   // the answer in flight: {kind, text, pending}
  heard: 0,       // the last answer sent whole, whose audio may still be playing
  logged: {},     // answer_id -> its item in the conversation log
  describing: null, reading: null, finishTimer: 0,  // requests Stop aborts; the "answer finished" timer
};
const KEEP_SENTENCES = 3;      // the live region keeps the newest few sentences of earlier answers

// The status line is shown, not live: a listener is told through #announce, and in voice mode only what the voice or
// an earcon does not already say (`covered`), never over the app's voice. An error is heard too (cues.js).
function say(message, covered = false) {
  ui.status.textContent = message;
  if (!(voiced() && (covered || cues.voicePlaying()))) $("announce").textContent = message;
}
function fail(message) { ui.error.textContent = message; ui.error.hidden = false; cues.tellError(message); }
function clearError() { ui.error.hidden = true; ui.error.textContent = ""; $("alert").textContent = ""; }
function setState(name) { document.body.dataset.state = name; }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function detail(response) {
  try { return (await response.json()).detail || response.statusText; } catch { return response.statusText; }
}

// --- settings, remembered in this browser ------------------------------------------------------------------------

const outputs = [...document.querySelectorAll("input[name=output]")];
const output = () => outputs.find((radio) => radio.checked).value;  // "voice", "text" or "both"
const voiced = () => output() !== "text";
const texted = () => output() !== "voice";

function remember(key, read, write, events) {
  for (const [element] of events) element.dataset.remembered = key;  // habits.js remembers every other setting
  try { const saved = localStorage.getItem(`echollama.${key}`); if (saved !== null) write(saved); } catch { /* private mode */ }
  for (const [element, type] of events) {
    element.addEventListener(type, () => { try { localStorage.setItem(`echollama.${key}`, read()); } catch { /* full */ } });
  }
}
remember("output", output, (value) => outputs.forEach((radio) => { radio.checked = radio.value === value; }),
  outputs.map((radio) => [radio, "change"]));
remember("space", () => String(ui.spaceShortcut.checked), (value) => { ui.spaceShortcut.checked = value === "true"; },
  [[ui.spaceShortcut, "change"]]);
remember("detail", () => ui.detail.value, (value) => { if ([...ui.detail.options].some((o) => o.value === value)) ui.detail.value = value; },
  [[ui.detail, "change"]]);
for (const radio of outputs) radio.addEventListener("change", () => { if (!voiced()) stopAudio(); });
// Speech rate (0.5-3 times the voice's pace): named in every request; the socket is told at once when it changes,
// so recorded questions and live announcements are spoken at it too.
const rateControl = $("rate");
const speechRate = () => Number(rateControl.value) || 1;
const rateMessage = () => JSON.stringify({ type: "rate", rate: speechRate() });
remember("rate", () => rateControl.value, (value) => { if ([...rateControl.options].some((o) => o.value === value)) rateControl.value = value; },
  [[rateControl, "change"]]);
rateControl.addEventListener("change", () => { if (state.socket?.readyState === WebSocket.OPEN) state.socket.send(rateMessage()); });

// --- readiness --------------------------------------------------------------------------------------------------

async function waitForServer() {
  for (;;) {
    try {
      const health = await (await fetch("/healthz", { cache: "no-store" })).json();
      if (health.status === "ready") { say("Ready. Take or choose a photo."); setState("ready"); return; }
      if (health.status === "error") { fail(`The server could not load its models: ${health.detail}`); return; }
      say("The models are loading; you can already choose a photo.");
    } catch { say("Cannot reach the server; trying again."); }
    await sleep(2000);
  }
}

async function postWithRetry(url, body, signal) {
  // 503 means busy or still loading: wait as long as the server asks, a few times, telling the listener.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { method: "POST", body, signal });
    if (response.status !== 503 || attempt >= 10) return response;
    const wait = Number(response.headers.get("Retry-After") || "5");
    say(`The server is busy; trying again in ${wait} seconds.`);
    await sleep(wait * 1000);
  }
}

// --- a photo: perception opens a session, then the description streams over its WebSocket like any answer -------

async function describePhoto(file) {
  if (!file) return;
  stopSpeaking();
  clearError();
  state.file = file;
  ui.readText.disabled = false;
  ui.reading.hidden = true;
  ui.readingAudio.hidden = true;
  ui.preview.src = URL.createObjectURL(file);
  ui.preview.alt = "The photo being described";
  ui.preview.hidden = false;
  ui.description.replaceChildren(paragraph("Describing the photo…", "placeholder"));
  ui.descriptionAudio.hidden = true;
  setQuestionsEnabled(false);
  setState("describing");
  say("Looking at the photo. This takes a few seconds.");
  playback.audioContext();  // inside the file picker's gesture: the description may then play by itself
  const form = new FormData();
  form.append("image", file);
  const aborted = new AbortController();
  state.describing = aborted;
  let response;
  try { response = await postWithRetry("/v1/sessions", form, aborted.signal); } catch {
    if (!aborted.signal.aborted) fail("The server did not answer.");
    ui.description.replaceChildren(paragraph("No description.", "placeholder"));
    setState("ready");
    return;
  } finally { state.describing = null; }
  if (!response.ok) {
    fail(`The photo could not be described: ${await detail(response)}`);
    ui.description.replaceChildren(paragraph("No description.", "placeholder"));
    setState("ready");
    return;
  }
  const result = await response.json();
  ui.preview.alt = `The photo: ${result.summary}`;
  await openSession(result.session_id);
  ui.description.replaceChildren(paragraph("", "streaming"));
  send(JSON.stringify({ type: "describe", detail: ui.detail.value, rate: speechRate() }), "describe");
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

// --- the session's WebSocket: questions out, text and audio back as they are produced ----------------------------

async function openSession(sessionId) {
  if (state.socket) state.socket.close();
  state.sessionId = sessionId;
  try { await connect(); } catch { /* send() reconnects and reports */ }
  setQuestionsEnabled(true);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/sessions/${state.sessionId}/stream`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => { if (state.socket === socket) onMessage(event.data); };
  socket.onclose = (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    // 4404: the session ended (closed or expired); 4403: this page does not hold its key (its cookie is gone).
    if (event.code === 4404 || event.code === 4403) {
      if (state.answer) endAnswer();
      state.sessionId = null;
      setQuestionsEnabled(false);
      fail("This photo's session has ended. Choose or take the photo again to ask about it.");
      setState("ready");
      return;
    }
    if (state.answer) { endAnswer(); fail("The connection to the server was lost."); setState("described"); }
  };
  state.socket = socket;
  state.asked = state.wanted = state.owner = state.heard = 0;  // a new connection numbers its answers from 1 again
  state.logged = {};
  return new Promise((resolve, reject) => {
    socket.onopen = () => { socket.send(rateMessage()); resolve(socket); };
    socket.onerror = () => reject(new Error("connection failed"));
  });
}

async function send(payload, kind) {
  clearError();
  let socket = state.socket;
  try {
    if (!socket || socket.readyState > WebSocket.OPEN) socket = await connect();
    else if (socket.readyState === WebSocket.CONNECTING) await new Promise((r) => socket.addEventListener("open", r, { once: true }));
  } catch { fail("Cannot reach the server to ask the question."); return; }
  state.asked += 1;
  state.wanted = state.asked;
  state.answer = { kind, text: "", pending: "" };
  ui.stream.textContent = "";
  ui.answering.hidden = kind === "describe";
  ui.spoken.replaceChildren();
  setState(kind === "describe" ? "describing" : "answering");
  say(kind === "describe" ? "Describing the photo…" : "Thinking about the answer…", true);
  socket.send(payload);
}

function onMessage(data) {
  if (data instanceof ArrayBuffer) {
    // Audio of the answer being listened to only: frames of a stopped answer are dropped, never played late.
    if (state.owner === state.wanted && voiced()) playback.play(data);
    return;
  }
  const message = JSON.parse(data);
  if (message.type === "ack") { onLiveAck(message); return; }  // live.js: a camera frame analysed
  if (message.type === "live") return;  // live mode on or off, as asked
  if (["find", "tone", "tone_stop"].includes(message.type) || message.about === "find") { onFind(message); return; }  // live.js
  if (message.type === "start") state.owner = message.answer_id;  // the audio frames from here on are this answer's
  if (typeof message.answer_id === "string") { onAnnouncement(message); return; }  // live: "live-1", "live-2"...
  if (message.type === "cancelled") { noteStopped(message); return; }
  if (message.answer_id !== state.wanted && message.answer_id !== undefined) return;  // a stopped answer's
  if (message.type === "transcript") {
    addLog("You asked", message.text);
    say(`You asked: ${message.text}`);
  } else if (message.type === "audio_format") {
    if (voiced()) playback.begin(message.sample_rate);
  } else if (message.type === "sentence") {
    window.echollamaSpatial?.aim(message);
  } else if (message.type === "text") {
    addText(message.text);
  } else if (message.type === "done") {
    finishAnswer(message);
  } else if (message.type === "error") {
    endAnswer();
    const retry = message.retry_after_s ? ` Try again in ${message.retry_after_s} seconds.` : "";
    // "recording: no speech found…" is said as "No speech found…": the file name a server error starts with is no news.
    fail(`${message.detail.replace(/^recording: (.)/, (_, first) => first.toUpperCase())}.${retry}`);
    say("Ready for another question.", true);
    setState(state.sessionId ? "described" : "ready");
  }
}

function addText(piece) {
  const answer = state.answer;
  answer.text += piece;
  if (answer.kind === "describe") ui.description.firstChild.textContent = answer.text.trim();
  else if (answer.kind !== "announcement") ui.stream.textContent = answer.text;
  // Whole sentences go to the live region as they are completed (a text piece is often a word or a clause).
  answer.pending += piece;
  const sentences = answer.pending.split(/(?<=[.!?…]["'”’)\]]*)\s+/);
  answer.pending = sentences.pop();
  for (const sentence of sentences) announce(sentence);
}

function announce(sentence) {
  if (!texted() || !sentence.trim()) return;
  const said = ui.spoken.appendChild(paragraph(sentence.trim()));
  said.dataset.answer = String(state.wanted);
  // An answer stays whole however fast its sentences come (a screen reader reads them in turn): older ones make way.
  while (ui.spoken.childElementCount > KEEP_SENTENCES && ui.spoken.firstElementChild.dataset.answer !== said.dataset.answer) ui.spoken.firstElementChild.remove();
}

function finishAnswer(message) {
  const kind = state.answer ? state.answer.kind : "question";
  state.heard = message.answer_id;  // its audio may play on after this: Stop then still tells the server
  if (state.answer) announce(state.answer.pending);
  state.answer = null;
  ui.answering.hidden = true;
  const audio = document.createElement("audio");  // no controls: Repeat last answer plays it (no tab stops)
  audio.preload = "auto";
  audio.src = message.audio_url;
  if (kind === "describe") {
    ui.description.replaceChildren(paragraph(message.answer));
    ui.descriptionAudio.src = message.audio_url;
    window.echollamaSpatial?.follow(ui.descriptionAudio, message.sentences);
    ui.descriptionAudio.hidden = false;
    state.logged[message.answer_id] = addLog("Description", message.answer);
  } else {
    const item = addLog("Answer", message.answer);
    state.logged[message.answer_id] = item;
    window.echollamaSpatial?.follow(audio, message.sentences);
    audio.setAttribute("aria-label", `Spoken answer to: ${message.question}`);
    item.append(audio);
    item.dataset.streamedChunks = String(playback.scheduled);
  }
  repeatable(kind === "describe" ? ui.descriptionAudio : audio, message.answer);
  setState(kind === "describe" ? "described" : "answered");
  // "Answer finished" once the listener has heard it all: at once as text, when the voice ends otherwise.
  const finished = () => say(`${kind === "describe" ? "Description" : "Answer"} finished. Press Talk to ask about the photo.`, true);
  clearTimeout(state.finishTimer);
  const left = voiced() ? playback.remainingSeconds() : 0;
  if (left > 0) { say("Speaking…", true); state.finishTimer = setTimeout(finished, left * 1000 + 100); } else finished();
}

function noteStopped(message) {
  // What the conversation kept of a stopped answer (what was heard of it), beside the answer if it was shown whole.
  const heard = message.answer || "nothing";
  const item = state.logged[message.answer_id];
  if (!item) { addLog("Answer, stopped", heard); return; }
  const note = document.createElement("span");
  note.className = "note";
  note.textContent = ` (stopped; heard: ${heard})`;
  item.insertBefore(note, item.querySelector("audio"));
}

function endAnswer() {
  state.answer = null;
  ui.answering.hidden = true;
}

function addLog(who, text) {
  const item = document.createElement("li");
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = `${who}: `;
  item.append(label, document.createTextNode(text));
  ui.log.append(item);
  return item;
}

// --- Stop (and barge-in): silence now, tell the server, drop whatever of that answer is still on its way ---------

function stopAudio() {
  playback.stop();
  for (const audio of document.querySelectorAll("audio")) audio.pause();
  cues.silence();
  clearTimeout(state.finishTimer);
}

function stopSpeaking() {
  const heard = playback.heardSeconds();
  const wasSpeaking = Boolean(state.answer || state.describing || state.reading) || playback.playing() || [...document.querySelectorAll("audio")].some((a) => !a.paused);
  for (const request of [state.describing, state.reading]) if (request) request.abort();
  const open = state.socket && state.socket.readyState === WebSocket.OPEN;
  if (state.answer && open) {
    // In text mode nothing was played: the server counts what it sent as heard.
    const cancel = { type: "cancel", answer_id: state.wanted };
    if (voiced()) cancel.heard_s = Math.round(heard * 100) / 100;
    state.socket.send(JSON.stringify(cancel));
  } else if (open && state.heard && playback.playing()) {
    // The answer was all sent, but its audio was still playing: the conversation keeps only what was heard.
    state.socket.send(JSON.stringify({ type: "cancel", answer_id: state.heard, heard_s: Math.round(heard * 100) / 100 }));
  }
  state.heard = 0;
  const stopped = state.answer;
  state.wanted = 0;
  endAnswer();
  stopAudio();
  if (stopped && stopped.kind === "describe") ui.description.replaceChildren(paragraph(stopped.text.trim() || "Stopped.", ""));
  if (stopped) setState(state.sessionId ? "described" : "ready");
  return wasSpeaking;
}

function stop() {
  if (state.recorder) { cancelRecording(); say("Recording cancelled."); return; }
  const wasSpeaking = stopSpeaking();
  const wasLive = endLive();  // live.js: Stop and Escape end live mode too
  say(wasLive ? "Live stopped." : wasSpeaking ? "Stopped." : "Nothing is playing.");
}

ui.stop.addEventListener("click", stop);
document.addEventListener("keydown", (event) => { if (event.key === "Escape") stop(); });

function setQuestionsEnabled(enabled) {
  ui.talk.disabled = !enabled;
  ui.question.disabled = !enabled;
  ui.ask.disabled = !enabled;
}

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.question.value.trim();
  if (!text) { fail("Type a question first."); ui.question.focus(); return; }
  stopSpeaking();
  playback.audioContext();
  addLog("You asked", text);
  cues.earcon("sent");
  ui.question.value = "";
  send(JSON.stringify({ type: "ask", text, rate: speechRate() }), "question");
});

for (const input of [ui.photo, ui.photoFile]) {
  input.addEventListener("change", () => describePhoto(input.files[0]));
}

waitForServer();
