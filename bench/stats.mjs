// The statistics of `make bench`'s time to first decision (bench/run.mjs):
// medians above a floor, and a 95% bootstrap interval on the ratio of two
// of them. No dependency; a seeded generator, so that one set of samples
// always gives the same interval.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// mulberry32: a small seeded generator (the interval must not change from one
// printing of the same samples to the next).
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const quantile = (sorted, q) => {
  const i = (sorted.length - 1) * q, lo = Math.floor(i), hi = Math.ceil(i);
  if (lo === hi || sorted[hi] === Infinity) return sorted[hi];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
};

/**
 * A percentile bootstrap of the rounds. `samples` maps each contender to its
 * times, one per round (round i of every contender ran back to back: the
 * loads are interleaved A, B, C, A, B, C ...). Each replicate draws `n`
 * rounds with replacement and takes every contender's times from the same
 * rounds, so that what drifts from round to round (the machine's other
 * work) moves a contender and its floor and its peer together, as it did
 * in the run. `above(m)` is what is compared, from a map of the replicate's
 * medians: here, a contender's median above its floor. Returns, for each
 * pair [a, b] of `pairs`, the 2.5% and 97.5% quantiles of above(a) / above(b)
 * over `replicates` replicates (a replicate whose b is not above its floor is
 * counted as an infinite ratio).
 */
export function bootstrapRatios(samples, pairs, above, { replicates = 4000, seed = 20 } = {}) {
  const names = [...samples.keys()];
  const n = samples.get(names[0]).length;
  const rnd = random(seed);
  const ratios = pairs.map(() => []);
  const pick = new Array(n);
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < n; i++) pick[i] = Math.floor(rnd() * n);
    const m = new Map(names.map((k) => { const xs = samples.get(k); return [k, median(pick.map((i) => xs[i]))]; }));
    pairs.forEach(([a, b], j) => {
      const den = above(m, b);
      ratios[j].push(den > 0 ? above(m, a) / den : Infinity);
    });
  }
  return ratios.map((xs) => { xs.sort((a, b) => a - b); return [quantile(xs, 0.025), quantile(xs, 0.975)]; });
}
