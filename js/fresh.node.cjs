// A fresh gate for maestro-gate/testing, in CommonJS (pkg/cjs/fresh.node.js;
// the ES module build is js/fresh.node.js). cjs/gate.node.js is the gate
// for Node wrapped in a factory: each call evaluates it again, with its own
// wasm instance and its own createGate. No require cache or query involved,
// so Jest's module registry and Node's alike give the same answer.
exports.freshGate = async () => require('./gate.node.js').fresh();
