// The page as a blind user meets it, in real headless Chromium: every live region's announcements logged (with
// whether the app's voice was playing at that moment), every Web Audio oscillator started, every utterance of the
// device's voice (speechSynthesis, recorded: headless Chromium has no voice of its own).
// Usage: node listener.mjs BASE_URL IMAGE   (run by tests/test_server_page_listener.py); prints one JSON object.
// The fake microphone plays quiet noise (--use-file-for-fake-audio-capture), so a spoken question gets "no speech".

import { axeAudit, runInChromium } from "./common.mjs";

const [baseUrl, image, noiseWav] = process.argv.slice(2);
const MINUTES = 60_000;

function listen() {
  window.__tones = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.push({ type: this.type, frequency: this.frequency.value });
    return start.apply(this, args);
  };
  window.__utterances = [];
  speechSynthesis.getVoices = () => (window.__noDeviceVoice ? [] : [{ name: "recorded", lang: "en-GB" }]);
  speechSynthesis.speak = (utterance) => { window.__utterances.push(utterance.text); };
  window.__announced = [];
  document.addEventListener("DOMContentLoaded", () => {
    const regions = document.querySelectorAll("[role=status], [role=alert], [role=log], [aria-live]:not([aria-live=off])");
    for (const region of regions) {
      const politeness = region.getAttribute("aria-live") || (region.getAttribute("role") === "alert" ? "assertive" : "polite");
      new MutationObserver(() => window.__announced.push({
        region: region.id, politeness, text: region.textContent, voice: typeof cues !== "undefined" && cues.voicePlaying(),
        output: document.querySelector("input[name=output]:checked").value,
      })).observe(region, { childList: true, subtree: true, characterData: true });
    }
  });
}

const heard = (page) => page.evaluate(() => ({
  state: document.body.dataset.state, status: document.getElementById("status").textContent,
  error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
  alert: document.getElementById("alert").textContent, earcons: cues.played, tones: window.__tones.slice(),
  utterances: window.__utterances.slice(), scheduled: playback.scheduled, voice: cues.voicePlaying(),
}));

const voiceDone = (page) => page.waitForFunction(() => !cues.voicePlaying() && /finished/.test(document.getElementById("status").textContent),
  null, { timeout: 3 * MINUTES });

async function ask(page, question) {
  const before = await page.evaluate(() => document.querySelectorAll("#log li").length);
  await page.fill("#question", question);
  await page.press("#question", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#log li").length >= n + 2 && document.body.dataset.state === "answered",
    before, { timeout: 3 * MINUTES });
}

// Tab stops from Stop round to Stop (or to the end of the page): what a keyboard user walks through.
async function tabStops(page) {
  await page.focus("#stop");
  const stops = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press("Tab");
    const at = await page.evaluate(() => { const e = document.activeElement; return e === document.body ? null : e.id || e.tagName; });
    if (at === null || at === "stop") break;
    stops.push(at);
  }
  return stops;
}

// An answer of four sentences that all arrive in one burst (under 5 ms): the server's side of the socket is played by
// the test for this one answer (the page's own `send` and message handler run unchanged).
function fourSentenceBurst() {
  const socket = state.socket;
  const send = socket.send;
  socket.send = () => {
    socket.send = send;
    const id = state.wanted;
    const sentences = ["The cup is straight ahead.", "It is within reach.", "A table is under it.", "A chair is on your left."];
    const deliver = (message) => socket.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ answer_id: id, ...message }) }));
    const started = performance.now();
    deliver({ type: "start", kind: "question" });
    for (const sentence of sentences) deliver({ type: "text", text: `${sentence} ` });
    deliver({ type: "done", answer: sentences.join(" "), audio_url: "", sentences: [], question: "Where is the cup?" });
    window.__burstMs = performance.now() - started;
  };
}

runInChromium([`--use-file-for-fake-audio-capture=${noiseWav}`], async (page, out, browser) => {
  await page.addInitScript(listen);
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-state=ready]", { timeout: 3 * MINUTES });
  out.bothLabel = await page.evaluate(() => document.querySelector("input[name=output][value=both]").labels[0].textContent.replace(/\s+/g, " ").trim());
  out.shortcuts = await page.$$eval("#shortcuts dt", (keys) => keys.map((k) => k.textContent));
  out.liveOff = await page.evaluate(() => ({ text: document.getElementById("live").textContent, pressed: document.getElementById("live").getAttribute("aria-pressed") }));

  // Voice mode (the default): the description is heard; no polite status change while the voice plays.
  await page.setInputFiles("#photo-file", image);
  await page.waitForSelector("body[data-state=described]", { timeout: 5 * MINUTES });
  await voiceDone(page);
  out.described = await heard(page);

  // Talk from the keyboard: the listening earcon when the microphone opens, sent when it is sent; the fake microphone
  // heard only noise, so the server says "no speech found": the failed earcon and the error in the device's voice.
  await page.focus("#talk");
  await page.keyboard.press("Enter");
  await page.waitForSelector("body[data-state=recording]", { timeout: 30_000 });
  out.listening = await heard(page);
  await page.waitForTimeout(2000);
  await page.evaluate(() => document.getElementById("talk").click());
  await page.waitForSelector("#error:not([hidden])", { timeout: 3 * MINUTES });
  out.noSpeech = await heard(page);

  // Typed questions: sent earcon; the answers heard; one Repeat control, and tab stops that do not grow per answer.
  await ask(page, "Where is the cup?");
  await voiceDone(page);
  out.tabsAfterOne = await tabStops(page);
  await ask(page, "What is on the table?");
  await ask(page, "Is there a chair?");
  await voiceDone(page);
  out.tabsAfterThree = await tabStops(page);
  out.players = await page.evaluate(() => ({ repeat: document.querySelectorAll("#repeat").length, controls: document.querySelectorAll("audio[controls]").length,
    audios: document.querySelectorAll("audio").length }));
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("r");
  await page.waitForFunction(() => cues.voicePlaying(), null, { timeout: 30_000 });
  out.repeated = await page.evaluate(() => ({ src: [...document.querySelectorAll("audio")].find((a) => !a.paused)?.getAttribute("src"),
    last: [...document.querySelectorAll("#log li audio")].pop().getAttribute("src") }));
  await page.keyboard.press("Escape");
  await page.focus("#question");
  await page.keyboard.type("r");  // typed, not a shortcut, in a text box
  out.rInTextBox = await page.evaluate(() => ({ value: document.getElementById("question").value, voice: cues.voicePlaying() }));
  await page.fill("#question", "");
  out.voiceAnnounced = await page.evaluate(() => window.__announced.slice());

  // Read text keeps focus on its button; Space on the conversation list scrolls it, never records.
  await page.focus("#read-text");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => !document.getElementById("reading-audio").hidden, null, { timeout: 3 * MINUTES });
  out.focusAfterRead = await page.evaluate(() => document.activeElement.id);
  await page.keyboard.press("Escape");
  const asked = await page.evaluate(() => state.asked);
  await page.focus("#log");
  await page.keyboard.down("Space");
  await page.waitForTimeout(1000);
  await page.keyboard.up("Space");
  await page.waitForTimeout(500);
  out.spaceOnList = await page.evaluate((before) => ({ state: document.body.dataset.state, recorder: Boolean(state.recorder), asked: state.asked - before, focus: document.activeElement.id }), asked);

  // Live: its state in words and aria-pressed.
  await page.click("#live");
  await page.waitForFunction(() => document.getElementById("live").getAttribute("aria-pressed") === "true", null, { timeout: 30_000 });
  out.liveOn = await page.evaluate(() => document.getElementById("live").textContent);
  await page.keyboard.press("Escape");

  // Errors without a device voice: the alert region says them. Then text mode: errors in the alert region, no sound.
  await page.evaluate(() => { window.__noDeviceVoice = true; });
  await page.click("#ask");
  out.noDeviceVoice = await heard(page);
  await page.check("input[name=output][value=text]");
  await page.evaluate(() => { document.getElementById("alert").textContent = ""; });
  await page.click("#ask");
  out.textModeError = await heard(page);

  // Text mode: a four-sentence answer arriving at once is whole in the live region.
  await page.evaluate(fourSentenceBurst);
  await page.fill("#question", "Where is the cup?");
  await page.press("#question", "Enter");
  await page.waitForFunction(() => window.__burstMs !== undefined, null, { timeout: 10_000 });
  out.burst = await page.evaluate(() => ({ ms: window.__burstMs, spoken: [...document.querySelectorAll("#spoken p")].map((p) => p.textContent) }));
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("R");  // Repeat as text: the whole answer again, no sound
  out.repeatedAsText = await page.evaluate(() => ({ spoken: [...document.querySelectorAll("#spoken p")].map((p) => p.textContent), voice: cues.voicePlaying() }));

  // Settings are remembered in this browser: a new page restores them (and a rate control, where there is one).
  await page.selectOption("#detail", "full");
  await page.uncheck("#spatial");
  const rate = await page.evaluate(() => {
    const control = [...document.querySelectorAll("input[type=range], select")].find((c) => /rate|speed|fast/i.test(c.labels?.[0]?.textContent || c.id));
    if (!control) return null;
    if (control.tagName === "SELECT") control.value = control.options[control.options.length - 1].value; else control.value = control.max;
    control.dispatchEvent(new Event("input", { bubbles: true }));
    control.dispatchEvent(new Event("change", { bubbles: true }));
    return { id: control.id, value: control.value };
  });
  const again = await browser.newPage();
  await again.goto(baseUrl);
  await again.waitForSelector("body[data-state]", { timeout: 60_000 });
  out.restored = await again.evaluate((rate) => ({
    detail: document.getElementById("detail").value, spatial: document.getElementById("spatial").checked,
    output: document.querySelector("input[name=output]:checked").value,
    rate: rate && { id: rate.id, value: document.getElementById(rate.id).value },
  }), rate);
  out.rateSet = rate;
  await again.close();

  // 320 CSS px (400 % zoom): Talk on the first screen.
  await page.setViewportSize({ width: 320, height: 640 });
  await page.evaluate(() => window.scrollTo(0, 0));
  out.talkTopAt320 = await page.evaluate(() => document.getElementById("talk").getBoundingClientRect().top);
  out.axeNarrow = await axeAudit(page);
  await page.setViewportSize({ width: 412, height: 915 });
  out.axe = await axeAudit(page);
}, async (page, out) => { out.failedAt = await heard(page).catch(() => null); });
