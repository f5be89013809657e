// MAESTRO's stand-in: what the app loads only when the gate is on.
export const state = { running: false, starts: 0, stops: 0 };

export function start() {
  state.running = true;
  state.starts++;
}

export function stop() {
  state.running = false;
  state.stops++;
}
