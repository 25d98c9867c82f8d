// Bundles every Lambda handler (lib/handlers/<name>/index.ts) and the command-line tool
// (lib/cli/main.ts) into assets/, which the npm package ships. Consumers therefore need neither
// esbuild nor Docker to synthesize. The AWS SDK v3 is provided by the Lambda Node.js runtime, so
// handlers leave @aws-sdk/* external (smaller assets; the rehearsal loads the same files and answers
// their SDK calls in-process).
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlersDir = join(root, 'lib', 'handlers');
const outRoot = join(root, 'assets');

rmSync(join(outRoot, 'handlers'), { recursive: true, force: true });
const jobs = [];
if (existsSync(handlersDir)) {
  for (const name of readdirSync(handlersDir).sort()) {
    const entry = join(handlersDir, name, 'index.ts');
    if (!existsSync(entry)) continue;
    const outdir = join(outRoot, 'handlers', name);
    mkdirSync(outdir, { recursive: true });
    jobs.push(build({
      entryPoints: [entry],
      outfile: join(outdir, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      minify: false,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    }));
  }
}

const cliEntry = join(root, 'lib', 'cli', 'main.ts');
if (existsSync(cliEntry)) {
  rmSync(join(outRoot, 'cli'), { recursive: true, force: true });
  jobs.push(build({
    entryPoints: [cliEntry],
    outfile: join(outRoot, 'cli', 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // libpg-query ships a WebAssembly build that must be loaded from its own package directory; it
    // is a bundled dependency of this package, so the CLI resolves it at run time.
    external: ['libpg-query'],
    logLevel: 'warning',
  }));
}
await Promise.all(jobs);
