// A fresh gate for maestro-gate/testing (testing.js), as an ES module: a new
// query is a new module, so gate.node.js is evaluated again, with its own
// wasm instance and its own createGate. (Not a template literal: Vite would
// turn it into a lookup of the files it sees.) The CommonJS build
// (cjs/fresh.node.js) calls its gate's factory again instead.
export const freshGate = (n) => import('./gate.node.js?maestro-gate-testing=' + n);
