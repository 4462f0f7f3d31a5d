// The echollama page in real headless Debian Chromium (playwright-core, no browser download), with an axe-core audit.
// Usage: node e2e.mjs BASE_URL IMAGE QUESTION_WAV SCREENSHOT_PNG   (run by tests/test_server_browser.py)
// Prints one JSON object on stdout: what the page showed, the axe violations, layout checks, the screenshot path.

import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [baseUrl, image, questionWav, screenshot] = process.argv.slice(2);
const questionSeconds = Number(process.env.QUESTION_SECONDS || "3");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const MINUTES = 60_000;

// Flags for this machine's closed network (no background connections) plus a fake microphone playing the WAV.
const args = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
  `--use-file-for-fake-audio-capture=${questionWav}`,
];

async function axeAudit(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    const report = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] });
    return {
      violations: report.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) })),
      passes: report.passes.length,
    };
  });
  return result;
}

async function layout(page, width) {
  // 320 CSS px wide is what a 1280 px window shows at 400 % zoom (WCAG 1.4.10): nothing may need sideways scrolling.
  await page.setViewportSize({ width, height: 700 });
  return page.evaluate(() => ({
    width: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    talkHeight: document.getElementById("talk").getBoundingClientRect().height,
  }));
}

async function main() {
  const profile = mkdtempSync(join(tmpdir(), "echollama-chromium-"));  // a new, empty profile for every run
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath, headless: true, args, viewport: { width: 412, height: 915 },
    bypassCSP: true,  // only so axe can be injected; the page itself runs under its real CSP headers otherwise
  });
  const out = { errors: [] };
  try {
    const page = browser.pages()[0] || await browser.newPage();
    page.on("pageerror", (error) => out.errors.push(String(error)));
    page.on("console", (message) => { if (message.type() === "error") out.errors.push(message.text()); });
    await page.goto(baseUrl);
    await page.waitForSelector("body[data-state=ready]", { timeout: 3 * MINUTES });
    out.axeEmpty = await axeAudit(page);

    const started = Date.now();
    await page.setInputFiles("#photo", image);
    await page.waitForFunction(() => {
      const audio = document.getElementById("description-audio");
      return !audio.hidden && audio.readyState >= 1 && audio.duration > 0;
    }, null, { timeout: 5 * MINUTES });
    out.describeSeconds = (Date.now() - started) / 1000;
    out.description = await page.textContent("#description");
    out.descriptionAudio = await page.evaluate(() => {
      const audio = document.getElementById("description-audio");
      return { src: audio.getAttribute("src"), duration: audio.duration, readyState: audio.readyState };
    });

    // Push to talk with the Space key, held while the fake microphone plays the question.
    await page.focus("#talk");
    await page.keyboard.down("Space");
    await page.waitForSelector("body[data-state=recording]", { timeout: 30_000 });
    await page.waitForTimeout(questionSeconds * 1000);
    await page.keyboard.up("Space");
    const asked = Date.now();
    await page.waitForFunction(() => ["answered"].includes(document.body.dataset.state) || !document.getElementById("error").hidden,
      null, { timeout: 5 * MINUTES });
    out.answerSeconds = (Date.now() - asked) / 1000;
    out.error = await page.evaluate(() => { const e = document.getElementById("error"); return e.hidden ? null : e.textContent; });
    out.log = await page.$$eval("#log li", (items) => items.map((li) => li.textContent.trim()));
    out.answerAudio = await page.evaluate(async () => {
      const items = document.querySelectorAll("#log li");
      const last = items[items.length - 1];
      const audio = last && last.querySelector("audio");
      if (!audio) return null;
      if (audio.readyState < 1) await new Promise((resolve) => { audio.onloadedmetadata = resolve; setTimeout(resolve, 10000); });
      return { src: audio.getAttribute("src"), duration: audio.duration, readyState: audio.readyState,
               streamedChunks: Number(last.dataset.streamedChunks || 0) };
    });

    // Read text, from the keyboard: the button is in the tab order (a native, enabled button; the audio player's own
    // controls sit between it and the description), Enter presses it; the live region says the result.
    out.readTabIndex = await page.evaluate(() => {
      const button = document.getElementById("read-text");
      return button.disabled ? -1 : button.tabIndex;
    });
    await page.focus("#read-text");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => {
      const audio = document.getElementById("reading-audio");
      return !audio.hidden && audio.readyState >= 1 && audio.duration > 0;
    }, null, { timeout: 3 * MINUTES });
    out.reading = await page.textContent("#reading");
    out.readingLive = await page.getAttribute("#reading", "aria-live");

    await page.screenshot({ path: screenshot, fullPage: true });
    out.screenshot = screenshot;
    out.axeFull = await axeAudit(page);
    out.narrow = await layout(page, 320);
    out.axeNarrow = await axeAudit(page);
  } catch (error) {
    // Say where the page was when it failed: its state, status line and error box, and a screenshot of it.
    const page = browser.pages()[0];
    if (page) {
      out.failedAt = await page.evaluate(() => ({ state: document.body.dataset.state,
        status: document.getElementById("status").textContent, error: document.getElementById("error").textContent }))
        .catch(() => null);
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => null);
    }
    process.stderr.write(`${JSON.stringify(out)}\n`);
    throw error;
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error) => { process.stderr.write(`${error.stack || error}\n`); process.exit(1); });
