// `npm run build`: the CLI, collector and runners as plain JavaScript in dist/ (no loader at
// run time). Dependencies stay external: node_modules resolves them as it does for the sources.
import { build } from 'esbuild';

await build({
  entryPoints: { bootwatch: 'bin/bootwatch.ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // The commands load their parts lazily: each stays its own chunk.
  splitting: true,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
