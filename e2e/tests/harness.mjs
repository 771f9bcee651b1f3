// Starts `ler serve --demo` on a free loopback port and launches Debian's Chromium headless
// through playwright-core, with a phone-sized viewport for every person in the story.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(here, "..", "screenshots");
/** The demo's password for every login. */
export const PASSWORD = "ler-demo-password";
/** A phone: 390 × 844 CSS pixels. */
export const PHONE = { width: 390, height: 844 };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts the demo pilot; resolves with its base URL, its printed text and a stop function. */
export async function startDemo() {
  const bin = process.env.LER_BIN;
  if (!bin) throw new Error("set LER_BIN to the ler binary (cargo build -p ler --release)");
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), "ler-e2e-"));
  const dir = join(data, "pilot");
  const child = spawn(bin, ["serve", "--demo", "--listen", `127.0.0.1:${port}`, "--data", dir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 60 s:\n${err}`)), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Stop with Ctrl-C")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ler serve --demo exited with ${code}:\n${err}`));
    });
  });
  await ready;
  const base = `http://localhost:${port}`;
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(data, { recursive: true, force: true });
  };
  return { base, out, stop };
}

/** Headless Chromium with a fresh profile (playwright-core makes one per launch). */
export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** A new person: their own cookies, a phone screen, English first. */
export async function person(browser, locale = "en-US") {
  const context = await browser.newContext({ viewport: PHONE, locale });
  return context.newPage();
}

/** Saves a full-page screenshot under e2e/screenshots/. */
export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
