// The page's speech rate control in real headless Chromium: a labelled select moved with the arrow keys, remembered
// in this browser, named in the describe message and the Read text form, and told to the socket when it changes.
// Usage: node rate.mjs BASE_URL IMAGE   (run by tests/test_server_rate.py); prints one JSON object.

import { axeAudit, runInChromium } from "./common.mjs";

const [baseUrl, image] = process.argv.slice(2);
const MINUTES = 60_000;

const settled = (page, done) => page.waitForFunction(
  (state) => document.body.dataset.state === state || !document.getElementById("error").hidden, done,
  { timeout: 5 * MINUTES });

runInChromium([], async (page, out) => {
  out.sent = [];
  page.on("websocket", (socket) => socket.on("framesent", (frame) => {
    if (typeof frame.payload === "string") out.sent.push(JSON.parse(frame.payload));
  }));
  await page.addInitScript(() => {  // the text fields of each form the page posts to /v1/read
    window.__readForms = [];
    const send = window.fetch;
    window.fetch = (url, options = {}) => {
      if (String(url).endsWith("/v1/read") && options.body instanceof FormData) {
        window.__readForms.push(Object.fromEntries([...options.body].filter(([, value]) => typeof value === "string")));
      }
      return send(url, options);
    };
  });
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-state=ready]", { timeout: 3 * MINUTES });
  out.control = await page.evaluate(() => {
    const select = document.getElementById("rate");
    return { tag: select.tagName, label: select.labels[0].textContent.trim(), value: select.value,
      options: [...select.options].map((option) => option.value) };
  });
  await page.focus("#rate");
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");  // Normal -> 1.25 -> 1.5 -> 2
  out.afterKeys = await page.evaluate(() => ({ value: document.getElementById("rate").value,
    saved: localStorage.getItem("echollama.rate") }));

  await page.setInputFiles("#photo", image);
  await settled(page, "described");
  await page.focus("#rate");
  await page.keyboard.press("ArrowUp");  // 2 -> 1.5, while the session's socket is open
  await page.waitForFunction(() => document.getElementById("rate").value === "1.5");
  await page.click("#read-text");
  await page.waitForFunction(() => !document.getElementById("reading-audio").hidden ||
    !document.getElementById("error").hidden, null, { timeout: 5 * MINUTES });
  out.error = await page.evaluate(() => document.getElementById("error").hidden ? null
    : document.getElementById("error").textContent);
  out.readForms = await page.evaluate(() => window.__readForms);

  await page.reload();
  await page.waitForSelector("body[data-state=ready]", { timeout: 3 * MINUTES });
  out.remembered = await page.evaluate(() => document.getElementById("rate").value);
  out.axe = (await axeAudit(page)).violations;
}, async () => {});
