// The echollama page in real headless Debian Chromium (playwright-core, no browser download), with an axe-core audit.
// Usage: node e2e.mjs BASE_URL IMAGE QUESTION_WAV SCREENSHOT_PNG   (run by tests/test_server_browser.py)
// Prints one JSON object on stdout: what the page showed and played, the axe violations, layout checks.

import { axeAudit, runInChromium } from "./common.mjs";

const [baseUrl, image, questionWav, screenshot] = process.argv.slice(2);
const questionSeconds = Number(process.env.QUESTION_SECONDS || "3");
const MINUTES = 60_000;

async function layout(page, width) {
  // 320 CSS px wide is what a 1280 px window shows at 400 % zoom (WCAG 1.4.10): nothing may need sideways scrolling.
  await page.setViewportSize({ width, height: 700 });
  return page.evaluate(() => {
    // Every control that is not a link inside a sentence: at least 24 x 24 CSS px (WCAG 2.5.8).
    const small = [...document.querySelectorAll("button, input, select, audio:not([hidden])")]
      .filter((e) => e.getClientRects().length)
      .map((e) => ({ id: e.id || e.value || e.tagName, box: e.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 24 || box.height < 24)
      .map(({ id, box }) => `${id} ${box.width}x${box.height}`);
    return {
      width: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      talkHeight: document.getElementById("talk").getBoundingClientRect().height,
      small,
    };
  });
}

const pageState = (page) => page.evaluate(() => ({
  state: document.body.dataset.state, status: document.getElementById("status").textContent,
  error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
  scheduled: playback.scheduled, playing: playback.playing(),
  paused: [...document.querySelectorAll("audio")].every((audio) => audio.paused),
}));

async function waitAnswered(page) {
  await page.waitForFunction(() => document.body.dataset.state === "answered" || !document.getElementById("error").hidden,
    null, { timeout: 5 * MINUTES });
}

// A fake microphone plays the question's WAV. (The body keeps its old indentation: a small diff for merges.)
runInChromium([`--use-file-for-fake-audio-capture=${questionWav}`], async (page, out) => {
    await page.goto(baseUrl);
    await page.waitForSelector("body[data-state=ready]", { timeout: 3 * MINUTES });
    out.axeEmpty = await axeAudit(page);
    await page.keyboard.press("Tab");
    out.firstFocus = await page.evaluate(() => document.activeElement.id);  // Stop comes first

    // 1. The photo, in the default "app voice" mode; Stop while the description is still being made and spoken.
    await page.selectOption("#detail", "full");
    const started = Date.now();
    await page.setInputFiles("#photo", image);
    await page.waitForFunction(() => playback.scheduled > 0 && state.answer && state.answer.kind === "describe",
      null, { timeout: 5 * MINUTES, polling: 20 });
    out.firstAudioSeconds = (Date.now() - started) / 1000;
    await page.click("#stop");
    out.atStop = await pageState(page);
    await page.waitForTimeout(3000);  // whatever of the stopped description was still on its way has arrived by now
    out.afterStop = await pageState(page);
    await page.waitForFunction(() => [...document.querySelectorAll("#log li")].some((li) => li.textContent.startsWith("Answer, stopped")),
      null, { timeout: 3 * MINUTES });
    out.turnsAfterStop = await page.evaluate(async () => (await (await fetch(`/v1/sessions/${state.sessionId}`)).json()).turns);
    out.description = await page.textContent("#description");

    // 2. Talk as a toggle: Enter starts it, a screen reader's activation (a bare click event) sends it.
    await page.focus("#talk");
    await page.keyboard.press("Enter");
    await page.waitForSelector("body[data-state=recording]", { timeout: 30_000 });
    out.talkLabelWhileRecording = await page.textContent("#talk");
    await page.waitForTimeout(questionSeconds * 1000);
    await page.evaluate(() => document.getElementById("talk").click());
    const asked = Date.now();
    await waitAnswered(page);
    out.answerSeconds = (Date.now() - asked) / 1000;
    out.voiced = await pageState(page);
    out.log = await page.$$eval("#log li", (items) => items.map((li) => li.textContent.trim()));
    out.answerAudio = await page.evaluate(async () => {
      const items = document.querySelectorAll("#log li");
      const last = items[items.length - 1];
      const audio = last && last.querySelector("audio");
      if (!audio) return null;
      if (audio.readyState < 1) await new Promise((resolve) => { audio.onloadedmetadata = resolve; setTimeout(resolve, 10000); });
      return { src: audio.getAttribute("src"), duration: audio.duration, streamedChunks: Number(last.dataset.streamedChunks || 0) };
    });
    await page.keyboard.press("Escape");  // stop the voice before what follows

    // 3. Space (the page has focus) starts talking and Escape cancels it; with the shortcut off, Space does nothing.
    await page.evaluate(() => { document.activeElement.blur(); });
    await page.keyboard.down("Space");
    out.spaceStarts = await page.waitForSelector("body[data-state=recording]", { timeout: 30_000 }).then(() => true, () => false);
    await page.keyboard.press("Escape");
    await page.keyboard.up("Space");
    out.escapeCancels = await page.evaluate(() => document.body.dataset.state);
    await page.uncheck("#space-shortcut");
    await page.evaluate(() => { document.activeElement.blur(); });
    await page.keyboard.press("Space");
    await page.waitForTimeout(500);
    out.spaceOff = await page.evaluate(() => ({ state: document.body.dataset.state, saved: localStorage.getItem("echollama.space") }));
    await page.check("#space-shortcut");

    // Pointers: a tap toggles (recording goes on after the finger lifts, the next tap sends), a hold sends on release.
    const questionsAsked = () => page.evaluate(() => state.asked);
    const questionsBefore = await questionsAsked();
    await page.click("#talk");
    await page.waitForSelector("body[data-state=recording]", { timeout: 30_000 });
    await page.waitForTimeout(800);
    out.pointer = { afterTap: await page.evaluate(() => document.body.dataset.state), sentByTap: await questionsAsked() - questionsBefore };
    await page.click("#talk");
    await page.waitForFunction((n) => state.asked > n, questionsBefore, { timeout: 30_000 });
    await waitAnswered(page);
    const box = await page.locator("#talk").boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.waitForSelector("body[data-state=recording]", { timeout: 30_000 });
    await page.waitForTimeout(1000);
    await page.mouse.up();
    await page.waitForFunction((n) => state.asked > n + 1, questionsBefore, { timeout: 30_000 });
    await waitAnswered(page);
    out.pointer.sent = await questionsAsked() - questionsBefore;

    // 4. Screen reader text: the answer arrives sentence by sentence in a polite live region, and no sound plays.
    await page.check("input[name=output][value=text]");
    const before = await pageState(page);
    await page.fill("#question", "Where is the cup?");
    await page.press("#question", "Enter");
    await waitAnswered(page);
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Answer finished"), null, { timeout: 30_000 });
    out.textMode = {
      before, after: await pageState(page),
      spoken: await page.$$eval("#spoken p", (items) => items.map((p) => p.textContent)),
      live: await page.getAttribute("#spoken", "aria-live"),
      saved: await page.evaluate(() => localStorage.getItem("echollama.output")),
    };

    // 5. Read text from the keyboard: a short summary in the status line, the text itself after the button.
    out.readTabIndex = await page.evaluate(() => { const b = document.getElementById("read-text"); return b.disabled ? -1 : b.tabIndex; });
    await page.focus("#read-text");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !document.getElementById("reading-audio").hidden, null, { timeout: 3 * MINUTES });
    out.readStatus = await page.textContent("#status");
    out.readingPaused = await page.evaluate(() => document.getElementById("reading-audio").paused);

    await page.screenshot({ path: screenshot, fullPage: true });
    out.screenshot = screenshot;
    out.axeFull = await axeAudit(page);
    out.phone = await layout(page, 412);
    out.narrow = await layout(page, 320);
    out.axeNarrow = await axeAudit(page);
}, async (page, out) => {
  // Say where the page was when it failed: its state, status line and error box, and a screenshot of it.
  out.failedAt = await pageState(page).catch(() => null);
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => null);
});
