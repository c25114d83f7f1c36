/** Builds the dashboard to dashboard/dist (served by `bin/bootwatch serve`); the dev server proxies the collector. */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const collector = process.env.BOOTWATCH_COLLECTOR ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [svelte()],
  resolve: {
    alias: { $types: fileURLToPath(new URL('../common/types', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': { target: collector, ws: true, changeOrigin: true } },
  },
});
