// The TextDecoder the gate's glue (js/core.js) uses, in the builds for Node
// only (gate.node.js and cjs/gate.node.js, injected by esbuild): the global
// one, else Node's own. Jest's jsdom environment has no global TextDecoder.
// The browser entry (index.js) is built without this file.
import { TextDecoder as NodeTextDecoder } from 'node:util';

const Decoder = globalThis.TextDecoder ?? NodeTextDecoder;
export { Decoder as TextDecoder };
