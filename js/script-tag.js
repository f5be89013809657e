// The script-tag build's start: the wasm is inlined (as hex), compiled
// synchronously, and decided before the tag finishes, so that
// window.maestroGate.isEnabled() is correct in the very next script.
// `data-default-enabled` on the tag sets the default.
{
  let defaultEnabled;
  try { defaultEnabled = document.currentScript.dataset.defaultEnabled; } catch {}
  const options = { defaultEnabled };
  let loaded = false;
  try {
    load(WASM_BYTES);
    loaded = ready = true;
  } catch (e) {
    fail("maestro-gate's wasm could not be compiled", e);
  }
  loading = Promise.resolve(loaded);
  if (loaded) hook();
  const d = start(options, loaded);
  started = Promise.resolve(d);
  globalThis.maestroGate = Object.freeze({ ...api, init: () => started.then(() => decision()) });
}
