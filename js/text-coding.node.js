// The TextDecoder and TextEncoder the gate's glue (js/core.js) and the
// wasm-bindgen glue of the rollback, remote and rollout modules use, in the
// builds for Node only (gate.node.js and cjs/gate.node.js, which bundle that
// glue; injected by esbuild): the global ones, else Node's own. Jest's jsdom
// environment has neither as a global. The browser entry (index.js) and the
// glue files shipped beside it are built without this file.
import { TextDecoder as NodeTextDecoder, TextEncoder as NodeTextEncoder } from 'node:util';

const Decoder = globalThis.TextDecoder ?? NodeTextDecoder;
const Encoder = globalThis.TextEncoder ?? NodeTextEncoder;
export { Decoder as TextDecoder, Encoder as TextEncoder };
