// A stand-in for MAESTRO itself: what "execution blocking" and "MAN mode
// prompts" look like while it is on. It is only ever loaded behind the gate
// (a lazy import in main.js), so with MAESTRO off this chunk is never fetched.
export function mount(root) {
  root.innerHTML = `
    <div class="maestro-banner">MAESTRO is running: agent actions are checked before they execute.</div>
    <div class="maestro-blocked" id="maestro-blocked">
      <strong>Execution blocked</strong>: <code>agent.transfer_funds()</code> is waiting for a human.
    </div>
    <div class="maestro-man" id="maestro-man" role="dialog" aria-label="MAN mode">
      <strong>MAN mode</strong>: approve this action?
      <button type="button" disabled>Approve</button> <button type="button" disabled>Deny</button>
    </div>`;
  root.hidden = false;
}

export function unmount(root) {
  root.innerHTML = '';
  root.hidden = true;
}

// A failure of MAESTRO's own code, thrown from this chunk (the guard's
// `match` names it), as a crashing subsystem would.
export function fail() {
  setTimeout(() => { throw new Error('MAESTRO failed'); });
}
