// Shared by the test's two workers (worker.mjs imports it, worker-classic.js
// loads it with importScripts): what the guard warns, answered at
// ./sw-warnings for the test to read (a worker's console reaches neither
// browser's driver here; this fetch listener comes before the guard's, which
// passes that path on), and the guard's `remote` from the query:
// ?remote=PATH; ?remoteFalse, ?remoteNull: none; ?remoteEmpty: '';
// ?remoteObject=PATH: a URL object (not a string).
// (No import or export: the same file is a classic script and a module.)
self.swWarnings = [];
const warnNow = console.warn.bind(console);
console.warn = (...args) => { self.swWarnings.push(args.join(' ')); warnNow(...args); };
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname.endsWith('/sw-warnings')) event.respondWith(new Response(JSON.stringify(self.swWarnings)));
});
self.remoteOf = (q) => (q.has('remoteFalse') ? false : q.has('remoteNull') ? null : q.has('remoteEmpty') ? ''
  : q.has('remoteObject') ? new URL(q.get('remoteObject'), self.location.href) : q.get('remote') || undefined);
