// echollama page, live camera: frames go to the server one at a time, each only after the server has acknowledged the
// one before, so they come at the rate it sustains; what changes (something appears, comes closer fast, leaves) comes
// back as announcements, played and shown like answers. Stop and Escape end it. Loaded after app.js (its globals).
"use strict";

const LIVE_WIDTH = 640;          // frames are scaled to this width: enough for the detector, small on the wire
const JPEG_QUALITY = 0.8;
const RATE_SAID_AFTER = 5;       // frames acknowledged before the rate is said (once, politely)
const KEEP_ANNOUNCEMENTS = 20;   // the visible list keeps the newest few
const liveUi = { button: $("live"), video: $("live-video"), rate: $("live-rate"), log: $("live-log") };
const live = { on: false, camera: null, canvas: document.createElement("canvas"), acked: 0, rateSaid: false, timer: 0 };

function setLiveButton(on) {
  liveUi.button.setAttribute("aria-pressed", String(on));
  liveUi.button.querySelector(".state").textContent = on ? ": on" : ": off";  // shown in words, not colour alone
  liveUi.button.classList.toggle("recording", on);
}

async function startLive() {
  stopSpeaking();
  clearError();
  playback.audioContext();  // inside the click: announcements may then play by themselves
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    fail("This browser cannot use the camera here (it needs https:// or localhost). Choose a photo instead.");
    return;
  }
  live.on = true;  // taken now: a second press while the camera opens ends it
  setLiveButton(true);
  say("Opening the camera…");
  try {
    live.camera = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: LIVE_WIDTH } } });
  } catch {
    endLive();
    fail("The camera is not available or permission was refused. Choose a photo instead.");
    return;
  }
  if (!live.on) { releaseCamera(); return; }  // stopped while the camera opened
  liveUi.video.srcObject = live.camera;
  liveUi.video.hidden = false;
  await liveUi.video.play().catch(() => {});
  const first = await grabFrame();
  if (!live.on) return;
  if (!state.sessionId || !state.socket) {
    // Questions need a session: it is opened on the camera's first frame (perception only, a second or two).
    const form = new FormData();
    form.append("image", first, "camera.jpg");
    const response = await postWithRetry("/v1/sessions", form).catch(() => null);
    if (!live.on) return;
    if (!response || !response.ok) {
      endLive();
      fail(`Live could not start: ${response ? await detail(response) : "the server did not answer"}.`);
      return;
    }
    await openSession((await response.json()).session_id);
  }
  const socket = state.socket;
  if (!live.on || !socket || socket.readyState !== WebSocket.OPEN) { endLive(); fail("Cannot reach the server for live."); return; }
  socket.addEventListener("close", () => { if (live.on) { endLive(); fail("The connection to the server was lost."); } }, { once: true });
  live.acked = 0;
  live.rateSaid = false;
  socket.send(JSON.stringify({ type: "live", on: true }));
  setState("live");
  say("Live: watching. Changes will be said as they happen.");
  liveUi.rate.hidden = false;
  liveUi.rate.textContent = "Live: starting…";
  sendFrame();
}

function grabFrame() {
  const video = liveUi.video;
  const scale = Math.min(1, LIVE_WIDTH / (video.videoWidth || LIVE_WIDTH));
  live.canvas.width = Math.round((video.videoWidth || LIVE_WIDTH) * scale);
  live.canvas.height = Math.round((video.videoHeight || 480) * scale);
  live.canvas.getContext("2d").drawImage(video, 0, 0, live.canvas.width, live.canvas.height);
  return new Promise((resolve) => live.canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
}

async function sendFrame() {
  if (!live.on) return;
  if (state.recorder) { live.timer = setTimeout(sendFrame, 300); return; }  // the user is talking: nothing new is said
  const blob = await grabFrame();
  const socket = state.socket;
  if (!live.on || !blob || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: "frame" }));
  socket.send(await blob.arrayBuffer());
}

// The server's answer to a frame: the next one goes now (or after the wait a busy server asks for).
function onLiveAck(message) {
  if (!live.on) return;
  if (message.status) {
    live.timer = setTimeout(sendFrame, (message.retry_after_s || 0.5) * 1000);
    return;
  }
  live.acked += 1;
  if (message.frames_per_s) {
    const rate = `Live: ${message.frames_per_s.toFixed(1)} frames a second`;
    liveUi.rate.textContent = rate;
    if (!live.rateSaid && live.acked >= RATE_SAID_AFTER) { live.rateSaid = true; say(`${rate}.`); }
  }
  sendFrame();
}

// A live announcement is heard like an answer, never over one, nor while the user talks; the next waits for it.
function onAnnouncement(message) {
  if (message.type === "start") {
    if (state.answer || state.recorder || !live.on) return;  // its audio is dropped: owner is not wanted
    state.wanted = message.answer_id;
    state.heard = 0;  // the last answer was heard to its end before the server announced again
    state.answer = { kind: "announcement", text: "", pending: "" };
    return;
  }
  if (message.answer_id !== state.wanted) return;
  if (message.type === "audio_format") { if (voiced()) playback.begin(message.sample_rate); }
  else if (message.type === "text") addText(message.text);
  else if (state.answer && state.answer.kind === "announcement") {  // done, cancelled or failed: it ends
    if (message.type === "done") { announce(state.answer.pending); onLiveAnnouncement(message); }
    state.answer = null;
  }
}

function onLiveAnnouncement(message) {
  // Shown in the visible list; said by the voice, or put in the polite live region as screen reader text.
  const item = document.createElement("li");
  item.textContent = message.answer;
  liveUi.log.prepend(item);
  while (liveUi.log.childElementCount > KEEP_ANNOUNCEMENTS) liveUi.log.lastElementChild.remove();
}

function releaseCamera() {
  if (live.camera) for (const track of live.camera.getTracks()) track.stop();
  live.camera = null;
  liveUi.video.srcObject = null;
  liveUi.video.hidden = true;
}

// Live ends: no more frames, the camera off, and the server told (the announcement being said stops there too).
function endLive() {
  const was = live.on;
  live.on = false;
  endFind();  // the tone stops with live mode
  clearTimeout(live.timer);
  setLiveButton(false);
  releaseCamera();
  liveUi.rate.hidden = true;
  if (was && state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify({ type: "live", on: false }));
  if (document.body.dataset.state === "live") setState(state.sessionId ? "described" : "ready");
  return was;
}

liveUi.button.addEventListener("click", () => {
  if (live.on) { stop(); return; }
  startLive();
});
for (const input of [ui.photo, ui.photoFile]) input.addEventListener("change", endLive);

// Find mode: the server follows one kind of thing and sends its tone after each frame ("tone": pan, repeat interval,
// pitch; "tone_stop" when it is lost). One tone stream: short oscillator beeps through one StereoPannerNode (the law
// of spatial.js's panner), never while speech plays. Stop and Escape end it with live mode.
const BEEP_S = 0.07;
const findUi = { form: $("find-form"), name: $("find-name") };
const finding = { on: false, tone: null, timer: 0, panner: null, gain: null, beeps: 0 };

function findGraph() {
  const context = playback.audioContext();
  if (!finding.panner) {
    finding.panner = context.createStereoPanner();
    finding.panner.connect(context.destination);
  }
  return context;
}

function beep() {
  const tone = finding.tone;
  if (!finding.on || !tone) return;
  finding.timer = setTimeout(beep, tone.interval_s * 1000);
  if (playback.playing()) return;  // a phrase is being said: this beep is skipped, not queued
  const context = findGraph();
  const oscillator = context.createOscillator();
  const envelope = context.createGain();
  const at = context.currentTime + 0.01;
  oscillator.frequency.value = tone.pitch_hz;
  envelope.gain.setValueAtTime(0, at);
  envelope.gain.linearRampToValueAtTime(0.3, at + 0.01);
  envelope.gain.setValueAtTime(0.3, at + BEEP_S - 0.01);
  envelope.gain.linearRampToValueAtTime(0, at + BEEP_S);
  oscillator.connect(envelope).connect(finding.panner);
  oscillator.start(at);
  oscillator.stop(at + BEEP_S);
  finding.beeps += 1;
}

function stopTone() {
  clearTimeout(finding.timer);
  finding.timer = 0;
  finding.tone = null;
}

function onFind(message) {
  if (message.type === "error") {  // a name it cannot look for: said; find mode is off
    finding.on = false;
    fail(`${message.detail}.`);
    findUi.name.focus();
  } else if (message.type === "find") {
    finding.on = message.on;
    if (message.on) say(`Finding the ${message.name}: listen for the tone.`);
  } else if (message.type === "tone_stop") {
    stopTone();
  } else if (message.type === "tone" && finding.on && live.on) {
    const starting = !finding.tone;
    finding.tone = message;
    findGraph();
    finding.panner.pan.setValueAtTime(message.pan, finding.panner.context.currentTime);
    if (starting) beep();
  }
}

function endFind() {
  finding.on = false;
  stopTone();
}

findUi.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const target = findUi.name.value.trim();
  if (!target) { fail("Type what to find first, such as chair or my cup."); findUi.name.focus(); return; }
  clearError();
  findGraph();  // inside the gesture: tones may then play by themselves
  endFind();
  if (!live.on) await startLive();
  if (!live.on || !state.socket || state.socket.readyState !== WebSocket.OPEN) return;
  state.socket.send(JSON.stringify({ type: "find", target }));
});
