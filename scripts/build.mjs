// `npm run build`: the CLI, collector and runners as plain JavaScript in dist/ (no loader at
// run time). Dependencies stay external (node_modules resolves them as it does for the
// sources), except TypeBox: every command loads it at start, and resolving its ~260 small ESM
// files took half of `--help`'s time. It is only ever imported at run time from our code (the
// Fastify type provider is a type), so bundling keeps a single TypeBox and its registries.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const BUNDLED = new Set(['@sinclair/typebox']);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

await build({
  entryPoints: { bootwatch: 'bin/bootwatch.ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // The commands load their parts lazily: each stays its own chunk.
  splitting: true,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
