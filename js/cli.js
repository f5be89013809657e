#!/usr/bin/env node
// npx maestro-gate health [--out FILE] [--default-enabled VALUE]
// Writes the runbook's health document for the environment this runs in
// (run it in the same build step, with the same VITE_MAESTRO_ENABLED).
import { writeFileSync } from 'node:fs';
import { healthDocument } from './node.js';

const args = process.argv.slice(2);
const usage = 'usage: maestro-gate health [--out FILE] [--default-enabled VALUE]\n';
if (args[0] !== 'health') {
  process.stderr.write(usage);
  process.exit(args[0] === '--help' || args[0] === '-h' ? 0 : 2);
}
let out;
let defaultEnabled;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--out' && i + 1 < args.length) out = args[++i];
  else if (args[i] === '--default-enabled' && i + 1 < args.length) defaultEnabled = args[++i];
  else {
    process.stderr.write(usage);
    process.exit(2);
  }
}
const doc = healthDocument(process.env, { defaultEnabled });
if (out) writeFileSync(out, doc);
else process.stdout.write(doc);
