// echollama page: photo -> spoken description; push-to-talk (button or Space) -> streamed spoken answer.
// Plain script, no build step. Every change a listener needs to know about goes to a live region.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"), error: $("error"), photo: $("photo"), photoFile: $("photo-file"), preview: $("preview"),
  detail: $("detail"), description: $("description"), descriptionAudio: $("description-audio"), talk: $("talk"), form: $("ask-form"),
  question: $("question"), ask: $("ask"), answering: $("answering"), stream: $("answer-stream"), log: $("log"),
  readText: $("read-text"), reading: $("reading"), readingAudio: $("reading-audio"),
};
const state = { file: null, sessionId: null, socket: null, recorder: null, recordStart: 0, audio: null, answering: false };
const MIN_RECORDING_MS = 400;  // shorter is an accidental tap, not a question

function say(message) { ui.status.textContent = message; }
function fail(message) { ui.error.textContent = message; ui.error.hidden = false; }
function clearError() { ui.error.hidden = true; ui.error.textContent = ""; }
function setState(name) { document.body.dataset.state = name; }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function detail(response) {
  try { return (await response.json()).detail || response.statusText; } catch { return response.statusText; }
}

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

// --- describing a photo -----------------------------------------------------------------------------------------

async function postWithRetry(url, body) {
  // 503 means busy or still loading: wait as long as the server asks, a few times, telling the listener.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { method: "POST", body });
    if (response.status !== 503 || attempt >= 10) return response;
    const wait = Number(response.headers.get("Retry-After") || "5");
    say(`The server is busy; trying again in ${wait} seconds.`);
    await sleep(wait * 1000);
  }
}

async function describePhoto(file) {
  if (!file) return;
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
  say("Looking at the photo and describing it. This takes a few seconds.");
  const form = new FormData();
  form.append("image", file);
  form.append("detail", ui.detail.value);
  let response;
  try { response = await postWithRetry("/v1/describe", form); } catch { fail("The server did not answer."); return; }
  if (!response.ok) {
    fail(`The photo could not be described: ${await detail(response)}`);
    ui.description.replaceChildren(paragraph("No description.", "placeholder"));
    setState("ready");
    return;
  }
  const result = await response.json();
  ui.description.replaceChildren(paragraph(result.description));
  ui.descriptionAudio.src = result.audio_url;
  window.echollamaSpatial?.follow(ui.descriptionAudio, result.sentences);
  ui.descriptionAudio.hidden = false;
  ui.descriptionAudio.play().catch(() => say("Description ready. Press play to hear it."));
  ui.preview.alt = `The photo: ${result.summary}`;
  openSession(result.session_id);
  say("Description ready. Hold the talk button or the Space key to ask about the photo.");
  setState("described");
}

// --- reading the text in the photo (signs, labels, pages) ----------------------------------------------------------

async function readText() {
  if (!state.file) return;
  clearError();
  ui.readText.disabled = true;
  ui.reading.hidden = false;
  ui.reading.replaceChildren(paragraph("Reading the text in the photo…", "placeholder"));
  say("Reading the text in the photo.");
  const form = new FormData();
  form.append("image", state.file);
  let response;
  try { response = await postWithRetry("/v1/read", form); } catch { fail("The server did not answer."); }
  ui.readText.disabled = false;
  if (!response) { ui.reading.replaceChildren(paragraph("No text read.", "placeholder")); return; }
  if (!response.ok) {
    fail(`The text could not be read: ${await detail(response)}`);
    ui.reading.replaceChildren(paragraph("No text read.", "placeholder"));
    return;
  }
  const result = await response.json();
  // One paragraph per block of the page, in reading order; the live region announces it like the description.
  const blocks = result.text ? result.text.split("\n\n") : [result.spoken];
  ui.reading.replaceChildren(...blocks.map((block) => paragraph(block.replaceAll("\n", " "))));
  ui.readingAudio.src = result.audio_url;
  ui.readingAudio.hidden = false;
  ui.readingAudio.play().catch(() => say("Text read. Press play to hear it."));
  say(result.text ? "Text read." : "There is no text I can read in this photo.");
}

ui.readText.addEventListener("click", readText);

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

// --- the session's WebSocket: questions out, text and audio back as they are produced ----------------------------

function openSession(sessionId) {
  if (state.socket) state.socket.close();
  state.sessionId = sessionId;
  connect();
  setQuestionsEnabled(true);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/sessions/${state.sessionId}/stream`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => onMessage(event.data);
  socket.onclose = () => { if (state.socket === socket) state.socket = null; };
  state.socket = socket;
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("connection failed"));
  });
}

async function send(payload) {
  clearError();
  if (state.answering) { say("Still answering the last question."); return; }
  let socket = state.socket;
  try {
    if (!socket || socket.readyState > WebSocket.OPEN) socket = await connect();
    else if (socket.readyState === WebSocket.CONNECTING) await new Promise((r) => socket.addEventListener("open", r, { once: true }));
  } catch { fail("Cannot reach the server to ask the question."); return; }
  state.answering = true;
  ui.stream.textContent = "";
  ui.answering.hidden = false;
  setState("answering");
  say("Thinking about the answer…");
  socket.send(payload);
}

function onMessage(data) {
  if (data instanceof ArrayBuffer) { playPcm(data); return; }
  const message = JSON.parse(data);
  if (message.type === "transcript") {
    addLog("You asked", message.text);
    say(`You asked: ${message.text}`);
  } else if (message.type === "audio_format") {
    startPlayback(message.sample_rate);
  } else if (message.type === "sentence") {
    window.echollamaSpatial?.aim(message);
  } else if (message.type === "text") {
    ui.stream.textContent += message.text;
  } else if (message.type === "done") {
    finishAnswer(message);
  } else if (message.type === "error") {
    state.answering = false;
    ui.answering.hidden = true;
    const retry = message.retry_after_s ? ` Try again in ${message.retry_after_s} seconds.` : "";
    fail(`${message.detail}.${retry}`);
    say("Ready for another question.");
    setState("described");
  }
}

function finishAnswer(message) {
  state.answering = false;
  ui.answering.hidden = true;
  const item = addLog("Answer", message.answer);
  const audio = document.createElement("audio");
  audio.controls = true;
  audio.preload = "auto";
  audio.src = message.audio_url;
  window.echollamaSpatial?.follow(audio, message.sentences);
  audio.setAttribute("aria-label", `Spoken answer to: ${message.question}`);
  item.append(audio);
  item.dataset.streamedChunks = String(state.audio ? state.audio.chunks : 0);
  say("Answered. Hold the talk button or the Space key to ask again.");
  setState("answered");
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

// --- streamed audio: 16-bit PCM chunks scheduled back to back with Web Audio -------------------------------------

function audioContext() {
  // Created (or resumed) inside a user gesture, as browsers require before sound may play.
  if (!state.context) state.context = new AudioContext();
  if (state.context.state === "suspended") state.context.resume();
  return state.context;
}

function startPlayback(sampleRate) {
  const context = audioContext();
  state.audio = { rate: sampleRate, next: context.currentTime + 0.05, chunks: 0 };
}

function playPcm(buffer) {
  if (!state.audio) return;
  const context = audioContext();
  const pcm = new Int16Array(buffer);
  const clip = context.createBuffer(1, pcm.length, state.audio.rate);
  const samples = clip.getChannelData(0);
  for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
  const source = context.createBufferSource();
  source.buffer = clip;
  source.connect(window.echollamaSpatial ? window.echollamaSpatial.output(context) : context.destination);
  const at = Math.max(context.currentTime + 0.02, state.audio.next);
  source.start(at);
  state.audio.next = at + clip.duration;
  state.audio.chunks += 1;
}

// --- push to talk -----------------------------------------------------------------------------------------------

async function startRecording() {
  if (state.recorder || ui.talk.disabled || state.answering) return;
  clearError();
  audioContext();
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    fail("This browser cannot record here (the microphone needs https:// or localhost). Type the question instead.");
    return;
  }
  try {
    state.stream = state.stream || await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    fail("The microphone is not available or permission was refused. Type the question instead.");
    return;
  }
  const chunks = [];
  const recorder = new MediaRecorder(state.stream);
  recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
  recorder.onstop = () => sendRecording(new Blob(chunks, { type: recorder.mimeType }));
  state.recorder = recorder;
  state.recordStart = performance.now();
  recorder.start();
  ui.talk.setAttribute("aria-pressed", "true");
  ui.talk.textContent = "Listening… release to send";
  setState("recording");
  say("Listening. Release to send.");
}

function stopRecording() {
  const recorder = state.recorder;
  if (!recorder) return;
  state.recorder = null;
  state.short = performance.now() - state.recordStart < MIN_RECORDING_MS;
  ui.talk.setAttribute("aria-pressed", "false");
  ui.talk.textContent = "Hold to ask a question";
  recorder.stop();
}

async function sendRecording(blob) {
  if (state.short || !blob.size) {
    say("That was too short: hold the button (or Space) for as long as you speak.");
    setState("described");
    return;
  }
  say("Sending your question…");
  await send(await blob.arrayBuffer());
}

function setQuestionsEnabled(enabled) {
  ui.talk.disabled = !enabled;
  ui.question.disabled = !enabled;
  ui.ask.disabled = !enabled;
}

function isTyping(element) {
  return element && (element.tagName === "INPUT" || element.tagName === "TEXTAREA" || element.isContentEditable);
}

function spaceTarget(event) {
  // Space means push-to-talk on the talk button and on the page itself, never inside a field or on another control.
  if (event.code !== "Space") return false;
  const active = document.activeElement;
  return active === ui.talk || active === document.body || active === null;
}

ui.talk.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  state.pointerPress = true;
  ui.talk.setPointerCapture(event.pointerId);
  startRecording();
});
ui.talk.addEventListener("pointerup", stopRecording);
ui.talk.addEventListener("pointercancel", stopRecording);
ui.talk.addEventListener("contextmenu", (event) => event.preventDefault());
ui.talk.addEventListener("click", (event) => {
  // A click with no press before it comes from Enter or a screen reader, which cannot hold: it toggles instead.
  event.preventDefault();
  if (state.pointerPress) { state.pointerPress = false; return; }
  if (state.recorder) stopRecording(); else startRecording();
});
document.addEventListener("keydown", (event) => {
  if (isTyping(event.target) || !spaceTarget(event)) return;
  event.preventDefault();
  if (!event.repeat) startRecording();
});
document.addEventListener("keyup", (event) => {
  if (isTyping(event.target) || !spaceTarget(event)) return;
  event.preventDefault();
  stopRecording();
});

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.question.value.trim();
  if (!text) { fail("Type a question first."); ui.question.focus(); return; }
  audioContext();
  addLog("You asked", text);
  ui.question.value = "";
  send(JSON.stringify({ type: "ask", text }));
});

for (const input of [ui.photo, ui.photoFile]) {
  input.addEventListener("change", () => describePhoto(input.files[0]));
}

waitForServer();
