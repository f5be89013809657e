// The runbook's "Test client state clearing": the app's cleanup path, run by
// the real rollback module against a fake storage full of MAESTRO state.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { verifyClientState } from 'maestro-gate';
import { fakeStorage, installStorage, startGate } from 'maestro-gate/testing';
import { rollBack } from '../src/app.js';

let restore = () => {};
beforeEach(async () => {
  await startGate({ enabled: false, log: 'silent' });
});
afterEach(() => {
  restore();
  delete globalThis.indexedDB;
});

test('the prefixed keys go, the app\'s stay, values are never read; no IndexedDB here: "unavailable"', async () => {
  const local = fakeStorage({ 'maestro:token': 'secret', 'app:theme': 'dark', 'maestro:cache': '{}', maestro: 'not the prefix' });
  const session = fakeStorage({ 'maestro:session': '1', 'app:draft': 'x' });
  restore = installStorage({ localStorage: local, sessionStorage: session });
  expect(await verifyClientState()).toEqual({
    database: { name: 'maestro_secrets', exists: null },
    localStorageKeys: ['maestro:token', 'maestro:cache'],
    sessionStorageKeys: ['maestro:session'],
    clean: null,
  });

  const { report, closed } = await rollBack();
  expect(closed).toEqual(['maestro_secrets']); // the app's onCleanupRequest ran first
  expect(report.localStorage).toEqual({ outcome: 'cleared', removed: ['maestro:token', 'maestro:cache'], failed: [] });
  expect(report.sessionStorage).toEqual({ outcome: 'cleared', removed: ['maestro:session'], failed: [] });
  expect(report.database).toMatchObject({ name: 'maestro_secrets', outcome: 'unavailable' });
  expect(report.ok).toBe(false); // honest: the database part could not run
  expect([local.length, local.getItem('app:theme'), local.getItem('maestro'), session.getItem('app:draft')]).toEqual([2, 'dark', 'not the prefix', 'x']);
  expect((await verifyClientState()).localStorageKeys).toEqual([]);
});

test('with an IndexedDB (fake-indexeddb) the database is deleted too, and the report is ok', async () => {
  const { indexedDB } = await import('fake-indexeddb');
  globalThis.indexedDB = indexedDB;
  await new Promise((resolve, reject) => {
    const open = indexedDB.open('maestro_secrets', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('receipts');
    open.onsuccess = () => { open.result.close(); resolve(); };
    open.onerror = () => reject(open.error);
  });
  restore = installStorage({ localStorage: fakeStorage({ 'maestro:a': '1' }), sessionStorage: fakeStorage() });
  expect((await verifyClientState()).database.exists).toBe(true);
  const { report } = await rollBack();
  expect(report).toMatchObject({ ok: true, database: { outcome: 'deleted' }, localStorage: { removed: ['maestro:a'] } });
  expect(await verifyClientState()).toMatchObject({ database: { exists: false }, clean: true });
});

test('storage that is not there (null): reported "unavailable", nothing thrown', async () => {
  restore = installStorage({ localStorage: null, sessionStorage: null });
  const { report } = await rollBack();
  expect(report.localStorage).toMatchObject({ outcome: 'unavailable', removed: [] });
  expect(report.sessionStorage).toMatchObject({ outcome: 'unavailable', removed: [] });
  expect(await verifyClientState()).toMatchObject({ localStorageKeys: null, sessionStorageKeys: null });
});

test('installStorage puts back what was there', () => {
  const before = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
  const fake = fakeStorage({ 'maestro:a': '1' });
  const undo = installStorage({ localStorage: fake });
  expect(globalThis.localStorage).toBe(fake);
  undo();
  expect(Object.getOwnPropertyDescriptor(globalThis, 'localStorage')).toEqual(before);
});

test('fakeStorage behaves as a Storage', () => {
  const s = fakeStorage({ a: '1' });
  s.setItem('b', 2);
  expect([s.length, s.key(0), s.key(1), s.key(2), s.getItem('b'), s.getItem('c')]).toEqual([2, 'a', 'b', null, '2', null]);
  s.removeItem('a');
  expect([s.length, s.key(0)]).toEqual([1, 'b']);
  s.clear();
  expect(s.length).toBe(0);
  expect(Object.prototype.toString.call(s)).toBe('[object Storage]');
});
