// Compiles the README's own app snippets, so that the docs and the types
// cannot drift apart: every ```js or ```ts block of README.md that imports
// from 'maestro-gate' (or 'maestro-gate/<entry>') is written to
// tests/types/readme/ as a TypeScript module (```jsx and ```tsx as .tsx),
// next to a package that resolves 'maestro-gate' through pkg/'s real
// `exports` map (a node_modules symlink), and `tsc -p tests/types/readme`
// checks them under `strict`. The bindings' peers (React, Vue, OpenFeature,
// with their types) are the ones tests/apps installs, linked beside it. Blocks typed at the devtools console are not
// app code and are left out. Run by `make test-e2e`.
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const OUT = join(HERE, 'readme');

const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```(js|ts|jsx|tsx)\n([\s\S]*?)^```$/gm)]
  .map((m) => ({ code: m[2], jsx: m[1].endsWith('x'), line: readme.slice(0, m.index).split('\n').length }))
  .filter((b) => /from 'maestro-gate(\/[a-z]+)?'/.test(b.code));
if (blocks.length < 3) throw new Error(`README.md: expected at least 3 app snippets, found ${blocks.length}`);

await rm(OUT, { recursive: true, force: true });
await mkdir(join(OUT, 'node_modules'), { recursive: true });
await symlink(join(ROOT, 'pkg'), join(OUT, 'node_modules', 'maestro-gate'));
const APPS = join(ROOT, 'tests', 'apps', 'node_modules');
for (const name of await readdir(APPS)) {
  if (name !== 'maestro-gate' && !name.startsWith('.')) await symlink(join(APPS, name), join(OUT, 'node_modules', name));
}
await writeFile(join(OUT, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
await writeFile(join(OUT, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'], skipLibCheck: false, jsx: 'react-jsx',
    // pkg/'s files are seen where the app installed them, so that the
    // bindings' .d.ts find their peers in this app's node_modules.
    preserveSymlinks: true,
  },
  include: ['*.ts', '*.tsx'],
}, null, 2) + '\n');
// What the snippets assume of the app around them: Vite's import.meta.env,
// the app's own MAESTRO module and its database connection, and the few
// Vitest functions the testing snippet calls (Vitest is not installed here).
await writeFile(join(OUT, 'app.d.ts'), `interface ImportMeta { readonly env: Record<string, string | undefined>; }
declare const maestroDb: IDBDatabase | undefined;
declare module 'vitest' {
  export function test(name: string, fn: () => unknown): void;
  export function beforeEach(fn: () => unknown): void;
  export function expect(value: unknown): { toBe(expected: unknown): void; toEqual(expected: unknown): void };
}
`);
await writeFile(join(OUT, 'maestro.ts'), 'export function start(): void {}\nexport function stop(): void {}\n');
// MAESTRO's own component, for the React and Vue snippets.
await writeFile(join(OUT, 'maestro-component.ts'), 'export function Maestro(): null { return null; }\nexport const MaestroPanel = {};\n');
for (const [i, b] of blocks.entries()) {
  await writeFile(join(OUT, `snippet-${i + 1}.${b.jsx ? 'tsx' : 'ts'}`), `// README.md, line ${b.line}\n${b.code}\nexport {};\n`);
}
console.log(`README snippets: ${blocks.length} written to tests/types/readme/`);
