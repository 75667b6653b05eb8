// Headless Chromium, driven with playwright-core from the preview workspace. A maintained library rather
// than Chromium's own --screenshot: the preview has to wait until every panel has drawn (the page marks
// <body> when it has) and the tests read the drawn page's DOM and computed styles, neither of which a
// one-shot screenshot can do; one browser also serves every page of a run. playwright-core drives the
// Chromium Debian installs (its own `npx playwright install` downloads are not used).
//
// The switches keep Chromium off the network it would otherwise try in the background (this machine's
// closed network refuses those connections): no QUIC, first-run, background networking, component
// updates or sync. playwright starts every launch with a new, empty profile directory of its own
// (the equivalent of a fresh --user-data-dir) and removes it on close.
import { join } from "node:path";
import { PREVIEW_DIR } from "./workspace.ts";

export const CHROMIUM_SWITCHES = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The part of playwright-core's Page the preview uses. */
export interface Page {
  goto(url: string, options?: { waitUntil?: "load" | "domcontentloaded"; timeout?: number }): Promise<unknown>;
  waitForFunction<T>(fn: (arg: T) => unknown, arg: T, options?: { timeout?: number; polling?: number | "raf" }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  on(event: "pageerror", handler: (error: Error) => void): void;
  close(): Promise<void>;
}

export interface Browser {
  newPage(options?: { viewport?: { width: number; height: number }; deviceScaleFactor?: number }): Promise<Page>;
  close(): Promise<void>;
}

interface Playwright {
  chromium: { launch(options: { executablePath: string; headless?: boolean; args?: string[]; timeout?: number }): Promise<Browser> };
}

/** Chromium started headless; the caller closes it. */
export async function launchBrowser(executablePath: string): Promise<Browser> {
  const playwright = (await import(join(PREVIEW_DIR, "node_modules/playwright-core/index.mjs"))) as Playwright;
  return playwright.chromium.launch({ executablePath, headless: true, args: CHROMIUM_SWITCHES, timeout: 60_000 });
}
