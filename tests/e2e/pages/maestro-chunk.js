// MAESTRO's stand-in chunk: the app imports it only when the gate says on.
window.maestroStarted = true;
