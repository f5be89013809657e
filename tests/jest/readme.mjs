// Checks the README's Jest lines against this project (run by `make test-jest`):
// the jest.config.js block's configuration line is the one tests/jest/jest.config.js
// runs its jsdom ES module tests with, and the "Run the test suite without MAESTRO"
// commands are the ones the Makefile runs.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
const config = await readFile(join(HERE, 'jest.config.js'), 'utf8');
const makefile = await readFile(join(ROOT, 'Makefile'), 'utf8');
const fail = (why) => { console.error(`README.md: ${why}`); process.exit(1); };

const blocks = [...readme.matchAll(/^```js\n\/\/ jest\.config\.js\n([\s\S]*?)^```$/gm)];
if (blocks.length !== 1) fail(`expected one jest.config.js block, found ${blocks.length}`);
const lines = blocks[0][1].split('\n').filter((l) => l.includes('customExportConditions'));
if (lines.length !== 1) fail('the jest.config.js block has no customExportConditions line');
const line = lines[0].trim().replace(/\s*\/\/.*$/, '');
if (!config.includes(line)) fail(`tests/jest/jest.config.js does not run with the README's line: ${line}`);

for (const [command, run] of [
  ["VITE_MAESTRO_ENABLED=false npx vitest run --exclude '**/*maestro*'", "VITE_MAESTRO_ENABLED=false npx vitest run --exclude '**/*maestro*'"],
  ['VITE_MAESTRO_ENABLED=false npm test -- --testPathIgnorePatterns=maestro', 'VITE_MAESTRO_ENABLED=false npm test -- --testPathIgnorePatterns='],
]) {
  if (!readme.includes(command)) fail(`the testing section does not give: ${command}`);
  if (!makefile.includes(run)) fail(`the Makefile does not run: ${run}`);
}
console.log(`README's Jest configuration line matches tests/jest/jest.config.js: ${line}`);
