// The three apps, one Vite build (a page each). pkg/ is installed as
// `file:../../pkg`, a symlink: `preserveSymlinks` resolves the bindings'
// own imports (react, vue, @openfeature/web-sdk) from this app's
// node_modules, as they resolve in an app that installed the package from
// the registry (a real folder in its node_modules).
import { resolve } from 'node:path';

export default {
  logLevel: 'warn',
  resolve: { preserveSymlinks: true },
  // Vue's bundler build asks for its compile-time flags (no @vitejs/plugin-vue here).
  define: { __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
  build: {
    rollupOptions: {
      input: Object.fromEntries(['openfeature', 'react', 'vue'].map((n) => [n, resolve(import.meta.dirname, `${n}.html`)])),
    },
  },
};
