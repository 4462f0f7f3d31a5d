// The page's live camera in real headless Debian Chromium: a fake camera plays a real video (a .y4m file), Live is
// turned on from the keyboard, announcements are heard and shown, Stop ends it with no audio after; a refused camera
// gets one clear message; axe-core finds nothing.
// Usage: node live.mjs BASE_URL VIDEO_Y4M   (run by tests/test_server_live.py); prints one JSON object on stdout.

import { axeAudit, runInChromium } from "./common.mjs";

const [baseUrl, video] = process.argv.slice(2);

const heard = (page) => page.evaluate(() => ({
  scheduled: playback.scheduled, playing: playback.playing(), live: live.on, camera: Boolean(live.camera),
  pressed: document.getElementById("live").getAttribute("aria-pressed"), status: document.getElementById("status").textContent,
  said: [...document.querySelectorAll("#live-log li")].map((li) => li.textContent),
  spoken: [...document.querySelectorAll("#spoken p")].map((p) => p.textContent),
  error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
}));

runInChromium([`--use-file-for-fake-video-capture=${video}`], async (page, out, browser) => {
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-state=ready]", { timeout: 180_000 });
  await page.check("input[name=output][value=both]");  // the voice and the live region both

  // Live from the keyboard; announcements come and are heard.
  await page.focus("#live");
  out.liveBox = await page.locator("#live").boundingBox();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("#live-log li").length > 0 && playback.scheduled > 0,
    null, { timeout: 120_000, polling: 100 });
  await page.waitForFunction(() => /\d frames a second/.test(document.getElementById("live-rate").textContent),
    null, { timeout: 60_000 });
  out.rate = await page.textContent("#live-rate");
  out.during = await heard(page);
  out.axeLive = await axeAudit(page);

  // Stop: silent at once, and nothing after it.
  await page.click("#stop");
  out.atStop = await heard(page);
  await page.waitForTimeout(4000);  // a frame or an announcement still on its way has arrived by now
  out.afterStop = await heard(page);

  // Escape ends live too.
  await page.focus("#live");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => live.on && live.acked > 0, null, { timeout: 60_000 });
  await page.keyboard.press("Escape");
  out.afterEscape = await heard(page);

  // A camera that is refused: one clear message, live stays off.
  const refused = await browser.newPage();
  await refused.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  });
  await refused.goto(baseUrl);
  await refused.waitForSelector("body[data-state=ready]", { timeout: 60_000 });
  await refused.click("#live");
  await refused.waitForSelector("#error:not([hidden])", { timeout: 10_000 });
  out.refused = await heard(refused);
}, async (page, out) => { out.failedAt = await heard(page); });
