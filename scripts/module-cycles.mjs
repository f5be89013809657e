// Fails when a module of a crate imports one that imports it back, directly
// or through others (issue 21: every crate reads downwards). A module's
// imports are the `crate::m` and `use crate::{m, ...}` it names outside
// comments and test modules (its `cfg_attr(test, ...)` attributes count: the
// test-only type generation reads downwards too).
//
//   node scripts/module-cycles.mjs src crates/gate/src ...
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let failed = false;
for (const dir of process.argv.slice(2)) {
  const modules = new Map();
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.rs') && f !== 'lib.rs' && f !== 'main.rs') modules.set(f.slice(0, -3), readFileSync(join(dir, f), 'utf8'));
  }
  const edges = new Map();
  for (const [name, text] of modules) {
    const code = text.split(/#\[cfg\(test\)\]\s*mod tests/)[0].split('\n')
      .filter((l) => !l.trim().startsWith('//')).join('\n');
    const uses = new Set();
    for (const [, m] of code.matchAll(/crate::(\w+)/g)) uses.add(m);
    for (const [, list] of code.matchAll(/use crate::\{([^}]*)\}/g)) for (const [m] of list.matchAll(/\w+/g)) uses.add(m);
    edges.set(name, [...uses].filter((m) => m !== name && modules.has(m)));
  }
  // A module on a cycle reaches itself.
  for (const start of modules.keys()) {
    const seen = new Set();
    const path = new Map([[start, [start]]]);
    const todo = [start];
    while (todo.length) {
      const at = todo.pop();
      for (const next of edges.get(at)) {
        if (next === start) {
          console.error(`${dir}: a module cycle: ${[...path.get(at), start].join(' -> ')}`);
          failed = true;
          todo.length = 0;
          break;
        }
        if (!seen.has(next)) { seen.add(next); path.set(next, [...path.get(at), next]); todo.push(next); }
      }
    }
  }
}
if (failed) process.exit(1);
