// The command-line tool writes its report straight to the file descriptor: every byte, in order,
// whatever the pipe makes it wait for, and quietly when the reader has gone.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { writeOutput } from '../../lib/cli/write-output';

const TEXT = `${'ALTER TABLE users DROP COLUMN email; — «ünïcödé» '.repeat(2000)}\n`;

test('everything is written to a file, multi-byte characters included', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-write-'));
  try {
    const path = join(directory, 'out.txt');
    const fd = openSync(path, 'w');
    expect(writeOutput(fd, TEXT)).toBe(true);
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe(TEXT);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a full non-blocking pipe (EAGAIN) and partial writes: waits, then writes the rest in order', () => {
  const received: Buffer[] = [];
  const waits: number[] = [];
  let call = 0;
  const write = ((fd: number, buffer: Buffer, offset: number, length: number): number => {
    expect(fd).toBe(1);
    call++;
    if (call % 3 === 0) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
    const chunk = Math.min(length, 4096); // a pipe takes what fits
    received.push(Buffer.from(buffer.subarray(offset, offset + chunk)));
    return chunk;
  }) as unknown as typeof import('node:fs').writeSync;
  expect(writeOutput(1, TEXT, (millis) => waits.push(millis), write)).toBe(true);
  expect(Buffer.concat(received).toString('utf8')).toBe(TEXT);
  expect(waits.length).toBeGreaterThan(0);
  expect(waits.every((millis) => millis > 0)).toBe(true);
});

test('a reader that went away (EPIPE) ends the writing without an error; other errors are thrown', () => {
  const epipe = (() => {
    throw Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' });
  }) as unknown as typeof import('node:fs').writeSync;
  expect(writeOutput(1, TEXT, () => undefined, epipe)).toBe(false);
  const ebadf = (() => {
    throw Object.assign(new Error('EBADF: bad file descriptor, write'), { code: 'EBADF' });
  }) as unknown as typeof import('node:fs').writeSync;
  expect(() => writeOutput(1, TEXT, () => undefined, ebadf)).toThrow('EBADF');
});

test('the tool piped into a reader that stops early (| head) exits with its verdict and no stack trace', async () => {
  const root = join(__dirname, '..', '..', '.tmp');
  mkdirSync(root, { recursive: true });
  const scratch = mkdtempSync(join(root, 'cli-pipe-'));
  try {
    buildSync({
      entryPoints: [join(__dirname, '..', '..', 'lib', 'cli', 'main.ts')],
      outfile: join(scratch, 'main.js'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['libpg-query'], logLevel: 'silent',
    });
    const migrations = join(scratch, 'migrations');
    mkdirSync(migrations);
    for (let file = 1; file <= 300; file++) writeFileSync(join(migrations, `V${file}.sql`), `ALTER TABLE t${file} DROP COLUMN c;\nDROP TABLE u${file};\n`);
    const child = spawn(process.execPath, [join(scratch, 'main.js'), 'check-migrations', '--threads', '1', migrations], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let firstChunk = '';
    child.stdout.once('data', (chunk: Buffer) => {
      firstChunk = chunk.toString();
      child.stdout.destroy(); // like `head`: read a little, then close the pipe
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(firstChunk).toContain('V1.sql:1:1 dropping-column');
    expect(stderr).toBe('');
    expect(code).toBe(1);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
