// The bundled command-line tool checks many files on several threads with exactly the output and
// exit code of one thread.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { jsonReport } from '../../lib/cli/check-migrations-command';
import {
  BATCH_SIZE, checkInThreads, currentMachineLoad, MachineLoad, MIN_FILES_PER_EXTRA_THREAD, otherRunnableThreads, threadCount,
} from '../../lib/cli/threaded-check';
import { collectMigrationFiles, readMigrationSources } from '../../lib/migrations/migration-files';

let bundle: string;
let scratch: string;
let mixed: string;

beforeAll(() => {
  // Inside the package, so that libpg-query resolves from node_modules as for assets/cli/main.js.
  const root = join(__dirname, '..', '..', '.tmp');
  mkdirSync(root, { recursive: true });
  scratch = mkdtempSync(join(root, 'cli-threads-'));
  bundle = join(scratch, 'main.js');
  buildSync({
    entryPoints: [join(__dirname, '..', '..', 'lib', 'cli', 'main.ts')],
    outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['libpg-query'], logLevel: 'silent',
  });
  mixed = mkdtempSync(join(tmpdir(), 'cdk-blue-green-threads-'));
  writeMixedMigrations(mixed, 200);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(mixed, { recursive: true, force: true });
});

/**
 * 200 files with unsafe statements, warnings, parse errors, statement and file suppressions (used,
 * unused and invalid), and columns whose definition lies in an earlier batch of files than the
 * statement that drops their default.
 */
function writeMixedMigrations(directory: string, count: number): void {
  const special: Record<number, string> = {
    3: "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL DEFAULT '', note text, plan text);",
    40: 'ALTER TABLE accounts ALTER COLUMN note SET NOT NULL;\nALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;',
    100: 'ALTER TABLE accounts ALTER COLUMN note DROP NOT NULL;',
    150: 'ALTER TABLE accounts ALTER COLUMN email DROP DEFAULT;',
    151: 'ALTER TABLE accounts ALTER COLUMN note DROP DEFAULT;',
    152: 'ALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT;',
    153: 'ALTER TABLE ghosts ALTER COLUMN spectre DROP DEFAULT;',
    4: 'CREATE TABLE ledgers (id bigint PRIMARY KEY, memo varchar(20), amount numeric(8,2) NOT NULL DEFAULT 0);',
    120: 'ALTER TABLE ledgers ALTER memo TYPE varchar(10);',
    121: 'ALTER TABLE ledgers ALTER amount TYPE numeric(10,2);',
    195: 'ALTER TABLE ledgers ALTER amount DROP DEFAULT;',
    170: 'ALTER TABLE ledgers ALTER memo TYPE text;',
    171: 'ALTER TABLE ledgers ALTER amount TYPE numeric(12,2);',
    172: 'ALTER TABLE ledgers ALTER amount TYPE numeric(12,4);',
  };
  for (let file = 1; file <= count; file++) {
    let sql: string;
    if (special[file]) sql = special[file];
    else if (file % 7 === 0) sql = `ALTER TABLE users ADD COLUMN nickname_${file} text;\n\nALTER TABLE users ADD COLUMN;`;
    else if (file % 5 === 0) sql = `-- cdk-blue-green: allow dropping-table: scratch_${file} was never read\nDROP TABLE scratch_${file};`;
    else if (file % 11 === 0) sql = '-- cdk-blue-green: allow dropping-column\nALTER TABLE users DROP COLUMN legacy;';
    else if (file % 13 === 0) sql = `-- cdk-blue-green: allow-file renaming-column: nothing renames here\nCREATE INDEX users_${file}_idx ON users (name);`;
    else if (file % 3 === 0) sql = `ALTER TABLE users RENAME COLUMN name_${file} TO full_name_${file};\nSELECT 1; /* a comment */ SELECT 2;`;
    else sql = `ALTER TABLE users ADD COLUMN field_${file} text;\nCREATE INDEX users_field_${file}_idx ON users (field_${file});`;
    writeFileSync(join(directory, `V${file}__change.sql`), `${sql}\n`);
  }
}

function runBundle(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bundle, 'check-migrations', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('text and --json output on several threads equal the output on one thread, byte for byte', () => {
  const single = runBundle(mixed, '--threads', '1', '.');
  expect(single.status).toBe(1);
  expect(single.stderr).toBe('');
  // The set is as mixed as intended: every kind of finding, and the facts of earlier batches count.
  expect(single.stdout).toContain('V7__change.sql:3:29 unparsable-sql does not parse: syntax error at or near ";"');
  expect(single.stdout).toContain('V11__change.sql:1:1 invalid-suppression');
  expect(single.stdout).toContain('V13__change.sql:1:1 unused-suppression');
  expect(single.stdout).toContain('V150__change.sql:1:1 dropping-default-on-not-null default of NOT NULL column accounts.email is dropped');
  expect(single.stdout).toContain('V152__change.sql:1:1 dropping-default-on-not-null default of NOT NULL column accounts.plan is dropped');
  expect(single.stdout).toContain('V153__change.sql:1:1 dropping-default-on-not-null default of ghosts.spectre is dropped; the checked migrations do not define');
  expect(single.stdout).not.toContain('V151__change.sql'); // made nullable again by V100
  // Column types declared in earlier batches: widenings pass, the rest name the type they start from.
  expect(single.stdout).toContain('V120__change.sql:1:1 changing-column-type column ledgers.memo changes type to varchar(10) in place from varchar(20)');
  expect(single.stdout).not.toContain('V121__change.sql');
  expect(single.stdout).not.toContain('V170__change.sql');
  // What one batch said about a column's type does not erase what an earlier one said about NOT NULL.
  expect(single.stdout).toContain('V195__change.sql:1:1 dropping-default-on-not-null default of NOT NULL column ledgers.amount is dropped');
  expect(single.stdout).not.toContain('V171__change.sql');
  expect(single.stdout).toContain('V172__change.sql:1:1 changing-column-type column ledgers.amount changes type to numeric(12,4) in place from numeric(12,2)');
  expect(single.stdout).toMatch(/200 files, \d+ statements: \d+ unsafe, \d+ warnings, [1-9]\d* suppressed\. UNSAFE/);

  for (const threads of ['2', '3', '7']) {
    expect(runBundle(mixed, '--threads', threads, '.')).toEqual(single);
  }
  expect(runBundle(mixed, '.')).toEqual(single);

  // Named files (as a shell glob passes them) start the worker threads before the files are listed.
  const named = collectMigrationFiles(['.'], mixed).map((file) => file.slice(mixed.length + 1));
  expect(runBundle(mixed, '--threads', '2', ...named)).toEqual(single);

  const singleJson = runBundle(mixed, '--json', '--threads=1', '.');
  expect(singleJson.status).toBe(1);
  expect(JSON.parse(singleJson.stdout).summary.files).toBe(200);
  expect(runBundle(mixed, '--json', '--threads=4', '.')).toEqual(singleJson);
});

test('batches checked only by worker threads merge into the single-thread report', async () => {
  // On 200 files this thread could check every batch before a worker has started; here it checks none.
  const files = collectMigrationFiles(['.'], mixed);
  const single = runBundle(mixed, '--json', '--threads', '1', '.');
  for (const workers of [1, 3]) {
    const report = await checkInThreads(readMigrationSources(files, mixed), workers, bundle, { onlyWorkers: true });
    expect(`${JSON.stringify(jsonReport(report))}\n`).toBe(single.stdout);
  }
});

test('an unreadable file is reported as on one thread, before any thread checks', () => {
  const single = runBundle(mixed, '--threads', '1', '.', '/proc/self/mem');
  expect(single).toEqual({ status: 2, stdout: '', stderr: expect.stringContaining('cannot read "/proc/self/mem" (EIO') });
  expect(runBundle(mixed, '--threads', '3', '.', '/proc/self/mem')).toEqual(single);
});

test('exit codes on several threads are those of one thread', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-threads-warnings-'));
  try {
    for (let file = 1; file <= 70; file++) {
      writeFileSync(join(directory, `V${file}.sql`), file % 2 === 0 ? `CREATE INDEX i_${file} ON users (c_${file});\n` : `ALTER TABLE users ADD COLUMN c_${file} text;\n`);
    }
    for (const threads of ['1', '2']) {
      const plain = runBundle(directory, '--threads', threads, '.');
      expect([plain.status, plain.stdout.trim().split('\n').pop()]).toEqual([0, expect.stringContaining('compatible, with lock hazards to review')]);
      expect(runBundle(directory, '--threads', threads, '--fail-on-warnings', '.').status).toBe(1);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

describe('threadCount', () => {
  const idle = (cores: number): MachineLoad => ({ cores, busy: 0 });

  test('one thread below the files that pay for a second, then one more per such share, up to the cores and 4', () => {
    expect(threadCount(MIN_FILES_PER_EXTRA_THREAD - 1, undefined, idle(8))).toBe(1);
    expect(threadCount(MIN_FILES_PER_EXTRA_THREAD, undefined, idle(8))).toBe(2);
    expect(threadCount(3 * MIN_FILES_PER_EXTRA_THREAD, undefined, idle(8))).toBe(4);
    expect(threadCount(100 * MIN_FILES_PER_EXTRA_THREAD, undefined, idle(8))).toBe(4);
    expect(threadCount(100 * MIN_FILES_PER_EXTRA_THREAD, undefined, idle(2))).toBe(2);
    expect(threadCount(100 * MIN_FILES_PER_EXTRA_THREAD, undefined, idle(1))).toBe(1);
  });

  test('only cores that other work leaves idle get a thread', () => {
    const files = 100 * MIN_FILES_PER_EXTRA_THREAD;
    expect(threadCount(files, undefined, { cores: 2, busy: 0.4 })).toBe(2);
    expect(threadCount(files, undefined, { cores: 2, busy: 1 })).toBe(1);
    expect(threadCount(files, undefined, { cores: 2, busy: 3.5 })).toBe(1);
    expect(threadCount(files, undefined, { cores: 8, busy: 4 })).toBe(4);
    expect(threadCount(files, undefined, { cores: 8, busy: 5 })).toBe(3);
    expect(threadCount(files, undefined, { cores: 8, busy: 7 })).toBe(1);
  });

  test('--threads is followed whatever the load, but never more threads than batches of files', () => {
    expect(threadCount(10, 1, idle(8))).toBe(1);
    expect(threadCount(10 * BATCH_SIZE, 3, { cores: 1, busy: 9 })).toBe(3);
    expect(threadCount(BATCH_SIZE + 1, 16, idle(8))).toBe(2);
  });

  test('busy cores: the running threads /proc/loadavg counts, other than the one reading it', () => {
    expect(otherRunnableThreads('0.52 0.58 0.59 3/480 12345\n')).toBe(2);
    expect(otherRunnableThreads('0.00 0.01 0.05 1/76 999')).toBe(0);
    expect(otherRunnableThreads('0.00 0.01 0.05 0/76 999')).toBeUndefined(); // the reader itself runs
    expect(otherRunnableThreads('2.50 1.00 0.50')).toBeUndefined();
    expect(otherRunnableThreads('')).toBeUndefined();
    expect(currentMachineLoad().cores).toBe(availableParallelism());
  });
});
