// Runs the README's own testing snippet: the ```js block of README.md that
// imports 'maestro-gate/testing' is written to test/readme.generated.test.js,
// which `vitest run` then runs with the rest (tests/types/readme.mjs
// type-checks the same block). Run by `make test-vitest`.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const readme = await readFile(join(HERE, '..', '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].filter((m) => m[1].includes("from 'maestro-gate/testing'"));
if (blocks.length !== 1) throw new Error(`README.md: expected one snippet importing maestro-gate/testing, found ${blocks.length}`);
const line = readme.slice(0, blocks[0].index).split('\n').length;
await writeFile(join(HERE, 'test', 'readme.generated.test.js'), `// README.md, line ${line} (written by tests/vitest/readme.mjs)\n${blocks[0][1]}`);
console.log(`README snippet (line ${line}) written to tests/vitest/test/readme.generated.test.js`);
