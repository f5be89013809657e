#!/usr/bin/env node
// npx maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]
// Writes the runbook's health document for the environment this runs in
// (run it after the bundler's build, with the same VITE_MAESTRO_ENABLED).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildCheck } from './node.js';

const usage = 'usage: maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]\n'
  + '       maestro-gate --version | --help\n';
const help = usage
  + '\nWrites the MAESTRO health document for this environment (VITE_MAESTRO_ENABLED).\n'
  + 'Run it after the bundler\'s build: a later `vite build` empties dist/ and deletes the file.\n\n'
  + '  --out FILE               write the document to FILE (creating its folders) instead of stdout\n'
  + '  --default-enabled VALUE  the answer when nothing is set, as init({ defaultEnabled }) (default true)\n'
  + '  --strict                 an invalid value (a typo such as "flase") fails: exit 1, nothing written\n'
  + '  --version                print the package version\n'
  + '  --help, -h               print this help\n';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(help);
  process.exit(0);
}
if (args.includes('--version')) {
  const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  process.stdout.write(version + '\n');
  process.exit(0);
}
if (args[0] !== 'health') {
  process.stderr.write(usage);
  process.exit(2);
}
let out;
let defaultEnabled;
let strict = false;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--out' && i + 1 < args.length) out = args[++i];
  else if (args[i] === '--default-enabled' && i + 1 < args.length) defaultEnabled = args[++i];
  else if (args[i] === '--strict') strict = true;
  else {
    process.stderr.write(usage);
    process.exit(2);
  }
}
const { document, warnings } = buildCheck(process.env, { defaultEnabled });
for (const line of warnings) process.stderr.write(line + '\n');
if (strict && warnings.length > 0) {
  process.stderr.write('maestro-gate: --strict: invalid value, no health document written\n');
  process.exit(1);
}
if (out) {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, document);
} else {
  process.stdout.write(document);
}
