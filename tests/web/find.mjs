// Find mode in real headless Debian Chromium: a fake camera plays the find clip (a .y4m file: the dog enters from the
// left, comes within reach, leaves), "dog" is typed into Find… and sent from the keyboard; the Web Audio graph is
// inspected: oscillators started and stopped, the panner's value following the tone; the tone stops when the dog is
// lost; a bad name gets one message; axe-core finds nothing; Stop ends it with no tone after.
// Usage: node find.mjs BASE_URL VIDEO_Y4M   (run by tests/test_server_find.py); prints one JSON object on stdout.

import { axeAudit, runInChromium } from "./common.mjs";

const [baseUrl, video] = process.argv.slice(2);

const heard = (page) => page.evaluate(() => ({
  started: window.oscillators.started, stopped: window.oscillators.stopped, live: live.on, finding: finding.on,
  tone: finding.tone ? { pan: finding.tone.pan, interval_s: finding.tone.interval_s, pitch_hz: finding.tone.pitch_hz } : null,
  pan: finding.panner ? finding.panner.pan.value : null, status: document.getElementById("status").textContent,
  error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
}));

runInChromium([`--use-file-for-fake-video-capture=${video}`], async (page, out) => {
  await page.addInitScript(() => {  // count what the page does to its oscillators: the graph, not the page's own counts
    window.oscillators = { started: 0, stopped: 0 };
    const { start, stop } = OscillatorNode.prototype;
    OscillatorNode.prototype.start = function (...args) { window.oscillators.started += 1; return start.apply(this, args); };
    OscillatorNode.prototype.stop = function (...args) { window.oscillators.stopped += 1; return stop.apply(this, args); };
  });
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-state=ready]", { timeout: 180_000 });

  // A name it cannot look for: one message, the socket (and live) go on.
  await page.focus("#find-name");
  await page.keyboard.type("unicorn");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#error:not([hidden])", { timeout: 120_000 });
  out.badName = await heard(page);

  // The dog, from the keyboard: tones start, panned where the dog is.
  await page.fill("#find-name", "");
  await page.focus("#find-name");
  await page.keyboard.type("my dog");
  await page.keyboard.press("Enter");
  // The failed earcon of the bad name started oscillators too: wait for the tone's own.
  await page.waitForFunction((before) => finding.on && finding.tone && window.oscillators.started > before,
    out.badName.started, { timeout: 120_000, polling: 100 });
  out.pans = [];
  const watchPan = setInterval(async () => {
    const pan = await page.evaluate(() => finding.panner && finding.tone ? finding.panner.pan.value : null).catch(() => null);
    if (pan !== null) out.pans.push(pan);
  }, 200);
  out.during = await heard(page);
  if (process.env.FIND_SCREENSHOT) await page.screenshot({ path: process.env.FIND_SCREENSHOT, fullPage: true });
  out.axe = await axeAudit(page);

  // The dog leaves: the tone stops (find mode goes on, waiting for it again).
  await page.waitForFunction(() => finding.on && window.oscillators.started > 0 && !finding.tone, null, { timeout: 120_000, polling: 100 });
  clearInterval(watchPan);
  out.stoppedTone = await heard(page);
  out.stoppedTone.finding = await page.evaluate(() => finding.on);
  await page.waitForTimeout(1000);
  out.afterToneStop = await heard(page);  // silent meanwhile (unless the looping camera brought the dog back)

  // It comes back (the camera loops); Stop ends live and find mode, with no tone after.
  await page.waitForFunction(() => Boolean(finding.tone), null, { timeout: 120_000, polling: 100 });
  await page.click("#stop");
  out.atStop = await heard(page);
  await page.waitForTimeout(3000);
  out.afterStop = await heard(page);
}, async (page, out) => { out.failedAt = await heard(page); });
