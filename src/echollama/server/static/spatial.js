// Sound from each object's direction: every spoken sentence about an object is played from where the object is,
// through the browser's own StereoPannerNode. The server sends each sentence's pan (-1 left .. 1 right, the same
// constant-power law as `echollama --spatial`) before its audio, and lists it with an audio offset for replays.
// On by default, switchable with a labelled checkbox (remembered in this browser). Plain script, no build step.
"use strict";

window.echollamaSpatial = (() => {
  const STORAGE_KEY = "echollama-spatial";
  const POLL_MS = 25;  // how often a replayed answer's pan follows its playback position
  const state = { on: localStorage.getItem(STORAGE_KEY) !== "off", pan: 0, context: null, elements: new WeakMap() };

  function addSwitch() {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = "spatial";
    box.checked = state.on;
    box.setAttribute("aria-describedby", "spatial-help");
    box.style.width = box.style.height = "1.5rem";  // a target big enough to hit (CSSOM: allowed by the page's CSP)
    box.style.verticalAlign = "middle";
    box.addEventListener("change", () => {
      state.on = box.checked;
      localStorage.setItem(STORAGE_KEY, state.on ? "on" : "off");
    });
    const label = document.createElement("label");
    label.htmlFor = "spatial";
    label.append(box, " Hear each object from its direction");
    const help = document.createElement("p");
    help.id = "spatial-help";
    help.className = "help";
    help.textContent = "With headphones, a sentence about something on your left is heard in your left ear.";
    const wrapper = document.createElement("div");
    wrapper.className = "picker";
    wrapper.append(label, help);
    const detail = document.getElementById("detail");
    const after = detail ? detail.closest(".picker") || detail : null;
    if (after) after.after(wrapper); else document.querySelector("main").append(wrapper);
  }

  // A context of our own for replayed <audio> elements, made inside a user gesture as browsers require.
  function gestureContext() {
    if (!state.context) state.context = new AudioContext();
    if (state.context.state === "suspended") state.context.resume();
  }

  function panner(context, pan) {
    const node = context.createStereoPanner();
    node.pan.value = pan;
    node.connect(context.destination);
    return node;
  }

  // Streamed answers: the next PCM chunks belong to this sentence (a {"type": "sentence"} message).
  function aim(message) { state.pan = typeof message.pan === "number" ? message.pan : 0; }

  // Where a streamed chunk should go: through a panner at the current sentence's pan, or straight out when off.
  function output(context) { return state.on ? panner(context, state.pan) : context.destination; }

  // Replays (the description, earlier answers): follow the playback position through the sentences' offsets.
  function follow(element, sentences) {
    const entry = state.elements.get(element) || {};
    entry.sentences = (sentences || []).filter((s) => typeof s.audio_at_s === "number");
    state.elements.set(element, entry);
    if (entry.listening) return;
    entry.listening = true;
    element.addEventListener("play", () => {
      if (!entry.node) {
        if (!state.context || state.context.state !== "running") return;  // no gesture yet: plays unpanned
        entry.node = panner(state.context, 0);
        state.context.createMediaElementSource(element).connect(entry.node);
      }
      clearInterval(entry.timer);
      entry.timer = setInterval(() => {
        const now = element.currentTime;
        let pan = 0;
        for (const sentence of entry.sentences) if (sentence.audio_at_s <= now + 0.02) pan = sentence.pan || 0;
        entry.node.pan.value = state.on ? pan : 0;
      }, POLL_MS);
    });
    for (const stop of ["pause", "ended", "emptied"]) element.addEventListener(stop, () => clearInterval(entry.timer));
  }

  addSwitch();
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, gestureContext, { capture: true });
  return { aim, output, follow, get on() { return state.on; } };
})();
