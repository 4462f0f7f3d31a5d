// What the browser tests share: Chromium with this machine's closed network in mind (no background connections, fake
// camera and microphone devices, no permission prompts, a new empty profile), and an axe-core audit of the page.

import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export const BROWSER_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
];

export async function axeAudit(page) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const report = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] });
    return {
      violations: report.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) })),
      passes: report.passes.length,
    };
  });
}


// Run `body(page, out, browser)` in a fresh headless Chromium; print `out` as one JSON line on stdout (or on stderr
// with `onFailure`'s notes when it fails, exiting 1). Page errors and console errors are collected in out.errors.
export function runInChromium(extraArgs, body, onFailure) {
  async function run() {
    const profile = mkdtempSync(join(tmpdir(), "echollama-chromium-"));  // a new, empty profile for every run
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: [...BROWSER_ARGS, ...extraArgs],
      viewport: { width: 412, height: 915 },
      bypassCSP: true,  // only so axe can be injected; the page itself runs under its real CSP headers otherwise
    });
    const out = { errors: [] };
    try {
      const page = browser.pages()[0] || await browser.newPage();
      page.on("pageerror", (error) => out.errors.push(String(error)));
      page.on("console", (message) => { if (message.type() === "error") out.errors.push(message.text()); });
      await body(page, out, browser);
    } catch (error) {
      const page = browser.pages()[0];
      if (page) await onFailure(page, out).catch(() => null);
      process.stderr.write(`${JSON.stringify(out)}\n`);
      throw error;
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
  run().catch((error) => { process.stderr.write(`${error.stack || error}\n`); process.exit(1); });
}
