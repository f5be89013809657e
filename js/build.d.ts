// What the build defines (scripts/build-pkg.sh, esbuild --define) and the
// platform additions the glue feature-tests, for `tsc -p js` (js/*.js are
// checked as JavaScript: `// @ts-check` is implied by checkJs there).
declare const __MAESTRO_GATE_VERSION__: string;
/** true in the script-tag builds (js/script-tag*.js): `startNow` is kept. */
declare const __MAESTRO_TAG__: boolean;
/** true in the Node builds (index.node.js, gate.node.js): the .wasm is read from disk. */
declare const __MAESTRO_NODE__: boolean;

interface Uint8ArrayConstructor {
  /** `Uint8Array.fromHex` (ES2026), where the browser has it. */
  fromHex?(hex: string): Uint8Array;
}
