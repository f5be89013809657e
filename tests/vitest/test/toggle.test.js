// The runbook's "Test MAESTRO enable/disable toggle": a live kill through
// window.MAESTRO_ENABLED (globalThis in Node; jsdom's window is the same
// object under Vitest), and a fresh gate for every test.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { decision, isEnabled, onChange, onCleanupRequest } from 'maestro-gate';
import { startGate } from 'maestro-gate/testing';
import { startApp } from '../src/app.js';
import { state } from '../src/maestro.js';

beforeEach(async () => {
  Object.assign(state, { running: false, starts: 0, stops: 0 });
  await startGate({ enabled: true, log: 'silent' });
});

afterEach(() => {
  vi.useRealTimers();
});

test('MAESTRO on, then window.MAESTRO_ENABLED = false: off at once, MAESTRO stopped, and it stays off', async () => {
  const maestro = await startApp();
  expect(maestro.state.running).toBe(true);

  globalThis.MAESTRO_ENABLED = false;
  expect(isEnabled()).toBe(false);
  expect(decision()).toMatchObject({ source: 'window.MAESTRO_ENABLED', reason: 'Disabled by window.MAESTRO_ENABLED=false' });
  expect(maestro.state).toMatchObject({ running: false, stops: 1 });

  globalThis.MAESTRO_ENABLED = true; // latched until reload
  expect(isEnabled()).toBe(false);
});

test('the next test starts on again: the kill and its latch went with the stopped gate', async () => {
  expect(globalThis.MAESTRO_ENABLED).toBeUndefined();
  expect(isEnabled()).toBe(true);
  expect((await startApp()).state.running).toBe(true);
});

test("a stopped gate's subscribers and watch are never heard from again", async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  await startGate({ enabled: true, log: 'silent' }); // its watch runs on the fake timers
  const old = vi.fn();
  onChange(old);
  await startGate({ enabled: true, log: 'silent' });
  const now = vi.fn();
  onChange(now);
  // A kill that goes around the accessor: only the watch (every second) sees it.
  Object.defineProperty(globalThis, 'MAESTRO_ENABLED', { value: false, configurable: true, writable: true });
  expect(isEnabled()).toBe(true);
  vi.advanceTimersByTime(1000);
  expect(isEnabled()).toBe(false);
  expect(now).toHaveBeenCalledTimes(1);
  expect(old).not.toHaveBeenCalled();
});

test("a stopped gate's channel is closed: only the running gate hears another tab's cleanup request", async () => {
  const old = vi.fn();
  onCleanupRequest(old);
  await startGate({ enabled: true, log: 'silent' });
  const now = vi.fn();
  onCleanupRequest(now);
  const tab = new BroadcastChannel('maestro-gate');
  tab.postMessage({ maestroGate: 'cleanup', id: 42, tab: 7, database: 'maestro_secrets', prefix: 'maestro:', sessionStorage: 'prefixed' });
  await vi.waitFor(() => expect(now).toHaveBeenCalledTimes(1));
  await new Promise((resolve) => setTimeout(resolve, 50));
  tab.close();
  expect(old).not.toHaveBeenCalled();
});

test('after vi.resetModules(), the next startGate still stops the gate started before', async () => {
  const old = vi.fn();
  onCleanupRequest(old);
  vi.resetModules();
  const testing = await import('maestro-gate/testing');
  const gate = await import('maestro-gate');
  await testing.startGate({ enabled: true, log: 'silent' });
  const now = vi.fn();
  gate.onCleanupRequest(now);
  const tab = new BroadcastChannel('maestro-gate');
  tab.postMessage({ maestroGate: 'cleanup', id: 43, tab: 8, database: 'maestro_secrets', prefix: 'maestro:', sessionStorage: 'prefixed' });
  await vi.waitFor(() => expect(now).toHaveBeenCalledTimes(1));
  await new Promise((resolve) => setTimeout(resolve, 50));
  tab.close();
  expect(old).not.toHaveBeenCalled();
});
