// echollama page, talking: Talk is a toggle for everyone (it acts on `click`, which is what keyboards and NVDA/JAWS
// browse mode send), hold-to-talk is an extra for pointers and the Space key. Loaded after app.js, whose globals it uses.
"use strict";

const MIN_RECORDING_MS = 400;  // shorter is an accidental tap, not a question
const HOLD_MS = 600;           // a press held at least this long is hold-to-talk: releasing it sends
const TALK_LABEL = "Talk", SEND_LABEL = "Send question";

async function startRecording() {
  if (state.recorder || ui.talk.disabled) return;
  stopSpeaking();  // barge-in: starting to talk silences the answer at once
  clearError();
  playback.audioContext();
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    fail("This browser cannot record here (the microphone needs https:// or localhost). Type the question instead.");
    return;
  }
  const recorder = { pending: true };
  state.recorder = recorder;  // taken now: a second press while the microphone opens sends, not starts again
  try {
    state.stream = state.stream || await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    state.recorder = null;
    fail("The microphone is not available or permission was refused. Type the question instead.");
    return;
  }
  if (state.recorder !== recorder) return;  // cancelled while the microphone opened
  const chunks = [];
  const media = new MediaRecorder(state.stream);
  media.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
  media.onstop = () => {
    releaseMicrophone();  // the browser's "microphone in use" sign goes off between questions
    if (!media.discard) sendRecording(new Blob(chunks, { type: media.mimeType }), media.short);
  };
  state.recorder = media;
  state.recordStart = performance.now();
  media.start();
  cues.earcon("listening");  // at once, not before: the first words are kept (echo cancellation keeps the tone out)
  ui.talk.textContent = SEND_LABEL;
  ui.talk.classList.add("recording");
  setState("recording");
  say("Listening. Press Send question when you have asked.", true);
}

function releaseMicrophone() {
  if (state.stream) for (const track of state.stream.getTracks()) track.stop();
  state.stream = null;
}

function stopRecording(discard = false) {
  const recorder = state.recorder;
  if (!recorder) return;
  state.recorder = null;
  ui.talk.textContent = TALK_LABEL;
  ui.talk.classList.remove("recording");
  if (recorder.pending) return;  // the microphone never opened
  recorder.discard = discard;
  recorder.short = performance.now() - state.recordStart < MIN_RECORDING_MS;
  recorder.stop();
}

function cancelRecording() {
  stopRecording(true);
  setState(state.sessionId ? "described" : "ready");
}

async function sendRecording(blob, short) {
  if (short || !blob.size) {
    fail("That was too short. Press Talk, ask, then press Send question.");
    setState("described");
    return;
  }
  cues.earcon("sent");
  say("Sending your question…", true);
  await send(await blob.arrayBuffer(), "question");
}

function toggleTalk() { if (state.recorder) stopRecording(); else startRecording(); }

// A press (pointer or Space) starts talking, or sends when already talking; releasing a long press sends too.
function press() {
  if (state.recorder) { stopRecording(); state.pressedAt = 0; return; }
  state.pressedAt = performance.now();
  startRecording();
}
function release() {
  if (state.pressedAt && state.recorder && performance.now() - state.pressedAt >= HOLD_MS) stopRecording();
  state.pressedAt = 0;
}

ui.talk.addEventListener("pointerdown", (event) => {
  if (!event.isPrimary || event.button !== 0 || ui.talk.disabled) return;
  event.preventDefault();
  ui.talk.setPointerCapture(event.pointerId);
  state.pointerDown = true;
  press();
});
for (const type of ["pointerup", "pointercancel"]) {
  ui.talk.addEventListener(type, () => {
    if (!state.pointerDown) return;
    state.pointerDown = false;
    state.pointerUpAt = performance.now();  // the click that follows belongs to this press
    release();
  });
}
ui.talk.addEventListener("contextmenu", (event) => event.preventDefault());
ui.talk.addEventListener("click", (event) => {
  // Keyboards and screen readers (NVDA and JAWS browse mode too) arrive here as a click, which toggles. The click
  // that follows a pointer press was handled by the press itself.
  event.preventDefault();
  if (performance.now() - state.pointerUpAt < 1000) { state.pointerUpAt = 0; return; }
  toggleTalk();
});

// The Space shortcut (WCAG 2.1.4): it can be turned off, and it talks only on the Talk button or where no control has
// focus; anywhere else Space has a use of its own (a button, a check box, a list that scrolls, a text box).
function spaceTalks(event) {
  if (event.code !== "Space" || !ui.spaceShortcut.checked || ui.talk.disabled) return false;
  const active = document.activeElement;
  return !active || active === ui.talk || active === document.body || active === document.documentElement;
}
document.addEventListener("keydown", (event) => {
  if (!spaceTalks(event)) return;
  event.preventDefault();
  if (!event.repeat) press();
});
document.addEventListener("keyup", (event) => {
  if (!spaceTalks(event)) return;
  event.preventDefault();
  release();
});

