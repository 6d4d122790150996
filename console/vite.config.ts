// The operators' console: built by `npm run build` into dist/console and served by the server at /console.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  // Preact's automatic JSX runtime through esbuild: no Babel, no plugin.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `npm run console:dev`: the console with hot reload against a server on :3000.
  server: { proxy: { '/admin': { target: 'http://127.0.0.1:3000', changeOrigin: false } } },
});
