// What the two script-tag files share. They carry their wasm inline as hex (scripts/embed-wasm.mjs
// puts the bytes in place of a placeholder string after minifying): hex keeps
// each byte's pattern, so gzip and brotli compress it nearly as well as the
// .wasm itself, and browsers decode it natively with Uint8Array.fromHex.
export const fromHex = (hex) => {
  if (Uint8Array.fromHex) return Uint8Array.fromHex(hex);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
  return bytes;
};

// `data-default-enabled` on the tag. Inside `<script type="module">` or
// `eval`, `document.currentScript` is null: then the last maestro-gate tag
// on the page that has the attribute is read instead.
export function tagOptions() {
  let defaultEnabled;
  try {
    let tag = /** @type {HTMLScriptElement | null} */ (document.currentScript);
    if (!tag) {
      /** @type {NodeListOf<HTMLScriptElement>} */
      const tags = document.querySelectorAll('script[src*="maestro-gate"][data-default-enabled]');
      tag = tags[tags.length - 1];
    }
    if (tag) defaultEnabled = tag.dataset.defaultEnabled;
  } catch {}
  return { defaultEnabled };
}

// Where this file was loaded from (the rollback module is beside it).
export function here() {
  try {
    const current = /** @type {HTMLScriptElement | null} */ (document.currentScript);
    if (current) return current.src;
    /** @type {NodeListOf<HTMLScriptElement>} */
    const tags = document.querySelectorAll('script[src*="maestro-gate"]');
    return tags[tags.length - 1].src;
  } catch {
    return undefined;
  }
}

// Puts the tag's API on `window.maestroGate`; an existing read-only or
// getter-only property is left alone, and nothing is thrown.
export function expose(api) {
  try { globalThis.maestroGate = api; } catch {}
}

// A module of the package from beside this file (`from`: here()), loaded on
// demand: the rollback, or the rollout module.
export const beside = (from, name) => async (wasm) => {
  const m = await import(new URL(name, from).href);
  await m.default(wasm == null ? undefined : { module_or_path: wasm });
  return m;
};
