// The page's spatial switch in real headless Chromium: each streamed sentence about an object goes through a
// StereoPannerNode at its pan; switched off, audio goes straight out. Also an axe audit with the switch on the page.
// Usage: node spatial.mjs BASE_URL IMAGE   (run by tests/test_server_spatial_page.py); prints one JSON object.

import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [baseUrl, image] = process.argv.slice(2);
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const MINUTES = 60_000;
const args = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
];

// Where each streamed chunk is connected: a panner's pan value, or "direct".
function recordConnections() {
  window.__routes = [];
  const connect = AudioBufferSourceNode.prototype.connect;
  AudioBufferSourceNode.prototype.connect = function (target, ...rest) {
    window.__routes.push(target instanceof StereoPannerNode ? target.pan.value : "direct");
    return connect.call(this, target, ...rest);
  };
}

// Waits for this question's own answer: after the first one the page already says "answered", so the log must also
// hold a new answer entry (after the question's own "You asked" entry).
async function ask(page, question) {
  const logged = await page.evaluate(() => { window.__routes = []; return document.querySelectorAll("#log li").length; });
  await page.fill("#question", question);
  await page.press("#question", "Enter");
  await page.waitForFunction((before) => !document.getElementById("error").hidden ||
    (document.body.dataset.state === "answered" && document.querySelectorAll("#log li").length >= before + 2 &&
     [...document.querySelectorAll("#log li")].pop().textContent.startsWith("Answer: ")),
    logged, { timeout: 5 * MINUTES });
  return page.evaluate(() => ({ routes: window.__routes, error: document.getElementById("error").hidden ? null :
    document.getElementById("error").textContent, answer: [...document.querySelectorAll("#log li")].pop().textContent }));
}

async function axeAudit(page) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => (await window.axe.run(document, {
    runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
  })).violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(" ")) })));
}

async function main() {
  const profile = mkdtempSync(join(tmpdir(), "echollama-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args,
    viewport: { width: 412, height: 915 }, bypassCSP: true,  // only so axe can be injected
  });
  const out = { errors: [] };
  try {
    const page = browser.pages()[0] || await browser.newPage();
    page.on("pageerror", (error) => out.errors.push(String(error)));
    await page.addInitScript(recordConnections);
    await page.goto(baseUrl);
    await page.waitForSelector("body[data-state=ready]", { timeout: 3 * MINUTES });
    out.switch = await page.evaluate(() => {
      const box = document.getElementById("spatial");
      return box && { checked: box.checked, label: box.labels[0].textContent.trim(),
                      help: document.getElementById(box.getAttribute("aria-describedby")).textContent };
    });
    await page.setInputFiles("#photo-file", image);
    await page.waitForSelector("body[data-state=described]", { timeout: 5 * MINUTES });
    out.on = await ask(page, "Where is the dog?");
    await page.click("#spatial");
    out.off = await ask(page, "Where is the dog?");
    out.remembered = await page.evaluate(() => localStorage.getItem("echollama-spatial"));
    out.axe = await axeAudit(page);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error) => { process.stderr.write(`${error.stack || error}\n`); process.exit(1); });
