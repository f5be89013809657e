// An app's Jest 30 configuration, as fresh as it gets: the package needs
// nothing from it in CommonJS (Jest's default), in the node and the jsdom
// environment alike. The ES module tests (*.test.mjs, run with
// NODE_OPTIONS=--experimental-vm-modules, as Jest requires for any ES module)
// need it in jsdom only: the one line the README gives, so that jsdom's
// "browser" export condition does not pick the browser entry.
const cjs = ['**/test/**/*.test.js'];
const esm = ['**/test/**/*.test.mjs'];

module.exports = {
  projects: [
    { displayName: 'node', testEnvironment: 'node', testMatch: cjs },
    { displayName: 'jsdom', testEnvironment: 'jsdom', testMatch: cjs },
    { displayName: 'node-esm', testEnvironment: 'node', testMatch: esm },
    {
      displayName: 'jsdom-esm',
      testEnvironment: 'jsdom',
      testMatch: esm,
      testEnvironmentOptions: { customExportConditions: ['node'] }, // the one line (jsdom + ES modules)
    },
  ],
};
