// Every test file runs twice: in Vitest's default `node` environment and in
// `jsdom`. Both resolve `maestro-gate` through pkg/'s exports map as an app
// installed from npm does (the "node" condition: index.node.js, which reads
// the .wasm from disk).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['node', 'jsdom'].map((environment) => ({
      extends: true,
      test: { name: environment, environment, include: ['test/**/*.test.js'] },
    })),
  },
});
