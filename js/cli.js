#!/usr/bin/env node
// npx maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]
// Writes the runbook's health document for the environment this runs in
// (run it after the bundler's build, with the same VITE_MAESTRO_ENABLED).
// npx maestro-gate report-summary FILE [--json]
// Counts a file of decision beacons (init({ report })), one JSON document a line.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildCheck, reportSummary } from './node.js';

const usage = 'usage: maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]\n'
  + '       maestro-gate report-summary FILE [--json]\n'
  + '       maestro-gate --version | --help\n';
const help = usage
  + '\nhealth: writes the MAESTRO health document for this environment (VITE_MAESTRO_ENABLED,\n'
  + 'VITE_MAESTRO_ROLLOUT). Run it after the bundler\'s build: a later `vite build` empties dist/\n'
  + 'and deletes the file.\n\n'
  + '  --out FILE               write the document to FILE (creating its folders) instead of stdout\n'
  + '  --default-enabled VALUE  the answer when nothing is set, as init({ defaultEnabled }) (default true)\n'
  + '  --strict                 an invalid value (a typo such as "flase") fails: exit 1, nothing written\n'
  + '\nreport-summary: counts a file of decision beacons (init({ report }); one JSON document a\n'
  + 'line, FILE - for stdin) by decision (enabled/disabled and source) and by event (start,\n'
  + 'change, cleanup); blank and malformed lines are counted as skipped.\n\n'
  + '  --json                   print the counts as JSON\n'
  + '\n  --version                print the package version\n'
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
if (args[0] === 'report-summary') summarize(args.slice(1));
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

// maestro-gate report-summary FILE [--json]: exit 0, or 2 for bad usage or a
// file that cannot be read.
function summarize(rest) {
  const json = rest.includes('--json');
  const files = rest.filter((a) => a !== '--json');
  if (files.length !== 1 || (files[0].startsWith('-') && files[0] !== '-')) {
    process.stderr.write(usage);
    process.exit(2);
  }
  let text;
  try {
    text = readFileSync(files[0] === '-' ? 0 : files[0], 'utf8');
  } catch (e) {
    process.stderr.write(`maestro-gate: cannot read ${files[0]}: ${e.message}\n`);
    process.exit(2);
  }
  const { text: table, ...counts } = reportSummary(text);
  process.stdout.write(json ? JSON.stringify(counts, null, 2) + '\n' : table);
  process.exit(0);
}
