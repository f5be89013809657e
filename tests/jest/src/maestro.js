// MAESTRO's stand-in: what the app loads only when the gate is on.
const state = { running: false, starts: 0, stops: 0 };

module.exports = {
  state,
  start() { state.running = true; state.starts++; },
  stop() { state.running = false; state.stops++; },
};
