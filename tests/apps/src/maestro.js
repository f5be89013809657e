// MAESTRO's component, as the apps mount it: it counts its mounts and
// unmounts on window.maestroMounts (for the test to read).
export const counts = (window.maestroMounts = { mounted: 0, unmounted: 0 });
