// One small interface over the two browsers the end-to-end tests run in:
//   chromium  the system Chromium through playwright-core (CDP)
//   firefox   the system firefox-esr through puppeteer-core (WebDriver BiDi);
//             Playwright's own Firefox build cannot be installed here.
// It covers only what the tests use. Each page records its console lines as
// "<type>: <text>" (page errors as "pageerror: <message>") in `page.lines`,
// and the URL of every request it makes to a server (http or https) in
// `page.requests`. (Over BiDi, Firefox also reports the data: URL of a page's
// `<link rel="icon" href="data:,">`; Playwright reports no data: URL.)
//
// E2E_BROWSERS=firefox (or chromium) runs one browser only; both by default.
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

export const BROWSERS = (process.env.E2E_BROWSERS || 'chromium,firefox').split(',').map((s) => s.trim()).filter(Boolean);

/** Starts the named browser headless; returns { name, newContext(), close() }. */
export async function launch(name) {
  if (name === 'chromium') {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    return {
      name,
      newContext: async () => context(await browser.newContext(), chromiumPage),
      close: () => browser.close(),
    };
  }
  if (name === 'firefox') {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
      headless: true,
    });
    return {
      name,
      newContext: async () => context(await browser.createBrowserContext(), firefoxPage),
      close: () => browser.close(),
    };
  }
  throw new Error(`unknown browser ${name}`);
}

/** An isolated context (its own storage): newPage() and close(). */
function context(ctx, wrap) {
  return {
    newPage: async () => wrap(await ctx.newPage()),
    close: () => ctx.close(),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function chromiumPage(page) {
  const lines = [];
  const requests = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  return {
    lines,
    requests,
    goto: (url) => page.goto(url),
    reload: () => page.reload(),
    close: () => page.close(),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    waitForFunction: (fn, { arg, timeout } = {}) => page.waitForFunction(fn, arg, { timeout }),
    waitForSelector: (selector) => page.waitForSelector(selector),
    /** No request in flight for 500 ms. */
    waitForNetworkIdle: () => page.waitForLoadState('networkidle'),
    textContent: (selector) => page.textContent(selector),
    isVisible: (selector) => page.isVisible(selector),
    click: (selector) => page.click(selector),
    waitForTimeout: sleep,
    /** Stops every Service Worker of the browser, as it stops an idle one (Chromium's DevTools protocol). */
    stopServiceWorkers: async () => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
    },
  };
}

// Playwright names console.warn's type "warning", puppeteer (over BiDi) "warn":
// the lines use Playwright's name in both browsers.
const TYPES = { warn: 'warning' };

function firefoxPage(page) {
  const lines = [];
  const requests = [];
  page.on('console', (m) => lines.push(`${TYPES[m.type()] || m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (/^https?:/.test(r.url())) requests.push(r.url()); });
  return {
    lines,
    requests,
    goto: (url) => page.goto(url),
    reload: () => page.reload(),
    close: () => page.close(),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    // Polled from here every 50 ms. Puppeteer would poll inside the page, on
    // animation frames or timers, and Firefox runs both about once a second in
    // a tab that is not in front (document.visibilityState 'hidden'; Playwright
    // shows every Chromium tab as visible).
    waitForFunction: async (fn, { arg, timeout = 30000 } = {}) => {
      const end = Date.now() + timeout;
      while (!(await page.evaluate(fn, arg))) {
        if (Date.now() > end) throw new Error(`waitForFunction: ${timeout} ms exceeded waiting for ${fn}`);
        await sleep(50);
      }
    },
    // Visible, as Playwright's waitForSelector waits for by default.
    waitForSelector: (selector) => page.waitForSelector(selector, { visible: true }),
    waitForNetworkIdle: () => page.waitForNetworkIdle({ idleTime: 500 }),
    textContent: (selector) => page.$eval(selector, (e) => e.textContent),
    isVisible: async (selector) => {
      const e = await page.$(selector);
      return e ? e.isVisible() : false;
    },
    click: (selector) => page.click(selector),
    waitForTimeout: sleep,
  };
}
