// Habits the page keeps for its listener: every setting is remembered in this browser, and one "Repeat last answer"
// control (and the R key) replays whatever was said last, so no audio player per answer fills the tab order.
// Plain script, loaded after app.js, talk.js and live.js (their globals).
"use strict";

const repeatButton = $("repeat");
const lastSaid = { audio: null, text: "" };
const NOT_TYPED_IN = ["radio", "checkbox", "range", "button", "submit", "reset", "file", "color", "image"];

// app.js calls this when a description, an answer or a photo's text has been said whole.
function repeatable(audio, text) {
  lastSaid.audio = audio;
  lastSaid.text = text;
  repeatButton.disabled = false;
}

function repeatLastAnswer() {
  if (!lastSaid.audio) { say("Nothing has been said yet."); return; }
  stopSpeaking();
  if (voiced()) {
    lastSaid.audio.currentTime = 0;
    // (AbortError: Stop paused it before it began, which is no failure.)
    lastSaid.audio.play().catch((error) => { if (error.name !== "AbortError") fail("The answer's audio could not be played again."); });
  }
  if (texted()) {
    // Sentence by sentence, as it first came (all at once: the whole answer stays for the screen reader).
    ui.spoken.replaceChildren(...lastSaid.text.split(/(?<=[.!?…])\s+/).filter(Boolean).map((sentence) => paragraph(sentence)));
  }
}

repeatButton.addEventListener("click", repeatLastAnswer);
document.addEventListener("keydown", (event) => {
  if (event.key !== "r" && event.key !== "R") return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  // Letters type in text boxes (text, search, number...) and pick options in a select: R repeats everywhere else.
  const active = document.activeElement;
  if (active && (active.isContentEditable || ["TEXTAREA", "SELECT"].includes(active.tagName)
    || (active.tagName === "INPUT" && !NOT_TYPED_IN.includes(active.type)))) return;
  event.preventDefault();
  repeatLastAnswer();
});

// Settings app.js does not remember by name (e.g. a control added later) are remembered here by their id or name:
// every select, range, number, check box and radio group in the Settings section. (The detail level is remembered by
// app.js, the spatial switch by spatial.js.)
(() => {
  const section = $("settings-heading").closest("section");
  const controls = [...section.querySelectorAll("select, input[type=range], input[type=number], input[type=checkbox], input[type=radio]")];
  for (const control of controls) {
    if (control.dataset.remembered || !(control.id || control.name)) continue;
    const key = `echollama.${control.type === "radio" ? control.name : control.id}`;
    const group = control.type === "radio" ? controls.filter((c) => c.type === "radio" && c.name === control.name) : [control];
    const read = () => (control.type === "checkbox" ? String(control.checked)
      : control.type === "radio" ? (group.find((c) => c.checked) || control).value : control.value);
    const write = (value) => {
      if (control.type === "checkbox") control.checked = value === "true";
      else if (control.type === "radio") group.forEach((c) => { c.checked = c.value === value; });
      else if (control.tagName !== "SELECT" || [...control.options].some((o) => o.value === value)) control.value = value;
      control.dispatchEvent(new Event("input", { bubbles: true }));  // whatever shows its value follows
    };
    remember(key.slice("echollama.".length), read, write, group.flatMap((c) => [[c, "change"], [c, "input"]]));
  }
})();
