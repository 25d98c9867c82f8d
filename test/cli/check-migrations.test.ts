import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { runCommandLine } from '../../lib/cli/command-line';
import { MIGRATION_RULES } from '../../lib/migrations/rules';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-cli-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, sql: string): void {
  mkdirSync(join(directory, name, '..'), { recursive: true });
  writeFileSync(join(directory, name), sql);
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(args, {
    stdout: (text) => { stdout += text; },
    stderr: (text) => { stderr += text; },
    workingDirectory: directory,
  });
  return { code, stdout, stderr };
}

describe('check-migrations', () => {
  test('exit 0 and a summary when every statement is safe', async () => {
    write('V1__add.sql', 'ALTER TABLE users ADD COLUMN nickname text;');
    const result = await run('check-migrations', '.');
    expect(result).toEqual({ code: 0, stdout: '1 file, 1 statement: 0 unsafe, 0 warnings, 0 suppressed. safe while both versions share the database.\n', stderr: '' });
  });

  test('exit 1 with file:line:column rule-id message and the recipe for an unsafe statement', async () => {
    write('db/V1__add.sql', 'ALTER TABLE users ADD COLUMN nickname text;');
    write('db/V2__rename.sql', '\n  ALTER TABLE users RENAME COLUMN nickname TO handle;');
    const result = await run('check-migrations', 'db');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('db/V2__rename.sql:2:3 renaming-column column users.nickname is renamed to handle while the running version uses the old name\n'
      + '  statement: ALTER TABLE users RENAME COLUMN nickname TO handle\n');
    expect(result.stdout).toContain('  recipe: 1. Add the new column (nullable or with a default).\n          2. Deploy code that writes both columns');
    expect(result.stdout).toMatch(/2 files, 2 statements: 1 unsafe, 0 warnings, 0 suppressed\. UNSAFE while both versions share the database\.\n$/);
  });

  test('warnings alone exit 0, or 1 with --fail-on-warnings', async () => {
    write('V1__index.sql', 'CREATE INDEX users_name_idx ON users (name);');
    const plain = await run('check-migrations', 'V1__index.sql');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('V1__index.sql:1:1 create-index-without-concurrently ');
    expect(plain.stdout).toContain('  warning: CREATE INDEX without CONCURRENTLY holds a SHARE lock');
    expect(plain.stdout).toContain('  to allow it here, say why: -- cdk-blue-green: allow create-index-without-concurrently: <reason>');
    expect((await run('check-migrations', '--fail-on-warnings', 'V1__index.sql')).code).toBe(1);
  });

  test('suppressed findings are counted but do not fail', async () => {
    write('V1.sql', '-- cdk-blue-green: allow dropping-table: the old version never read it\nDROP TABLE scratch;');
    const result = await run('check-migrations', 'V1.sql');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('1 file, 1 statement: 0 unsafe, 0 warnings, 1 suppressed. safe while both versions share the database.\n');
  });

  test('--json prints the verdict, counts, every finding, and each rule that has findings once', async () => {
    write('V1.sql', 'SELECT 1;\nDROP VIEW named_users;\n-- cdk-blue-green: allow dropping-view: nothing reads it since release 12\nDROP VIEW old_users;');
    write('V2.sql', 'DROP VIEW other_users;');
    const result = await run('check-migrations', '--json', 'V1.sql', 'V2.sql');
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(result.stdout);
    const droppingView = MIGRATION_RULES.find((rule) => rule.id === 'dropping-view')!;
    expect(report).toEqual({
      verdict: 'unsafe',
      summary: { files: 2, statements: 4, unsafe: 2, warnings: 0, suppressed: 1 },
      rules: {
        'dropping-view': { severity: 'unsafe', reason: droppingView.reason, recipe: [...droppingView.recipe] },
      },
      files: [{ file: 'V1.sql', statements: 3 }, { file: 'V2.sql', statements: 1 }],
      findings: [
        {
          file: 'V1.sql', line: 2, column: 1, rule: 'dropping-view', severity: 'unsafe', statement: 'DROP VIEW named_users',
          message: expect.stringContaining('named_users'),
        },
        {
          file: 'V1.sql', line: 4, column: 1, rule: 'dropping-view', severity: 'unsafe', statement: 'DROP VIEW old_users',
          message: expect.stringContaining('old_users'),
          suppressed: { by: 'statement', reason: 'nothing reads it since release 12' },
        },
        {
          file: 'V2.sql', line: 1, column: 1, rule: 'dropping-view', severity: 'unsafe', statement: 'DROP VIEW other_users',
          message: expect.stringContaining('other_users'),
        },
      ],
    });
    expect(droppingView.recipe.join(' ')).toContain('no longer uses the view');
  });

  test('an unparsable file fails with its position', async () => {
    write('V1.sql', 'ALTER TABLE users ADD COLUMN;');
    const result = await run('check-migrations', 'V1.sql');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('V1.sql:1:29 unparsable-sql does not parse: syntax error at or near ";"\n'
      + '  error: PostgreSQL cannot parse this file');
  });

  test.each([
    [['check-migrations', '--jsn', '.'], 'unknown option "--jsn"; the options are --json, --fail-on-warnings, --list-rules, --threads and --help'],
    [['check-migrations'], 'no migrations given; name one or more .sql files or directories'],
    [['check-migrations', 'missing.sql'], '"missing.sql" does not exist'],
    [['check-migrations', '-'], 'reading SQL from standard input ("-") is not supported'],
    [['check-migrations', '--threads', '0', '.'], '--threads takes a whole number from 1 to 16, got "0"; leave it out'],
    [['check-migrations', '--threads=17', '.'], '--threads takes a whole number from 1 to 16, got "17"'],
    [['check-migrations', '--threads=two', '.'], '--threads takes a whole number from 1 to 16, got "two"'],
    [['check-migrations', '.', '--threads'], '--threads takes a whole number from 1 to 16, got nothing'],
    [['check-migrations', 'empty'], 'no .sql files found in "empty"'],
    [['chek-migrations'], 'unknown command "chek-migrations"; the commands are: check-migrations'],
    [[], 'Usage: cdk-blue-green <command> [options]'],
  ])('usage error %j exits 2 and says what is allowed', async (args, message) => {
    mkdirSync(join(directory, 'empty'));
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  test('a file that cannot be read exits 2 and names it', async () => {
    write('V1.sql', 'SELECT 1;');
    // Reading /proc/self/mem from its start fails (EIO) even for root, for whom permissions do not.
    const result = await run('check-migrations', 'V1.sql', '/proc/self/mem');
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringContaining('cannot read "/proc/self/mem" (EIO') });
    expect(result.stderr).toContain('make sure the file is readable, or leave it out.');
  });

  test('--threads is accepted in both spellings', async () => {
    write('V1.sql', 'DROP TABLE users;');
    expect((await run('check-migrations', '--threads', '1', 'V1.sql')).code).toBe(1);
    expect((await run('check-migrations', '--threads=3', 'V1.sql')).code).toBe(1);
  });

  test('"--" lets a path start with a dash', async () => {
    write('-odd.sql', 'SELECT 1;');
    expect((await run('check-migrations', '--', '-odd.sql')).code).toBe(0);
  });

  test('--help and --list-rules exit 0', async () => {
    const help = await run('check-migrations', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: cdk-blue-green check-migrations <file or directory>...');
    expect(help.stdout).toContain('--threads 1 checks in a single thread');
    const rules = await run('check-migrations', '--list-rules');
    expect(rules.stdout.trim().split('\n').map((line) => line.split(/\s+/))).toEqual(MIGRATION_RULES.map((rule) => [rule.id, rule.severity]));
    expect((await run('--help')).code).toBe(0);
  });
});

test('the bundled command-line tool runs with libpg-query\'s WebAssembly module as its only external module', () => {
  // Bundle like scripts/bundle.mjs does, into a folder inside the package so that libpg-query
  // resolves from node_modules exactly as it does for assets/cli/main.js.
  const scratch = join(__dirname, '..', '..', '.tmp');
  mkdirSync(scratch, { recursive: true });
  const out = mkdtempSync(join(scratch, 'cli-'));
  try {
    const result = buildSync({
      entryPoints: [join(__dirname, '..', '..', 'lib', 'cli', 'main.ts')],
      outfile: join(out, 'main.js'),
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['libpg-query'], logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const bundled = readFileSync(join(out, 'main.js'), 'utf8');
    const required = [...bundled.matchAll(/\brequire(?:\.resolve)?\(([^)]*)\)/g)].map((match) => match[1]);
    // The CLI compiles libpg-query's WebAssembly module itself (to share it with its worker threads) and
    // calls it directly (libpg-query's JavaScript wrapper costs time per file); both files resolve.
    const fromPackage = [...new Set(required.filter((argument) => !argument.startsWith('"node:')))].sort();
    expect(fromPackage).toEqual(['"libpg-query/wasm/libpg-query.js"', '"libpg-query/wasm/libpg-query.wasm"']);
    for (const path of fromPackage) expect(() => require.resolve(JSON.parse(path) as string, { paths: [out] })).not.toThrow();

    write('V1.sql', 'ALTER TABLE users DROP COLUMN email;');
    const unsafe = spawnSync(process.execPath, [join(out, 'main.js'), 'check-migrations', directory], { encoding: 'utf8' });
    expect(unsafe.status).toBe(1);
    expect(unsafe.stdout).toContain(`${join(directory, 'V1.sql')}:1:1 dropping-column`);
    const usage = spawnSync(process.execPath, [join(out, 'main.js'), 'check-migrations', '--nope'], { encoding: 'utf8' });
    expect([usage.status, usage.stderr]).toEqual([2, expect.stringContaining('unknown option "--nope"')]);
    write('V2.sql', 'ALTER TABLE users ADD COLUMN nickname text;');
    expect(execFileSync(process.execPath, [join(out, 'main.js'), 'check-migrations', join(directory, 'V2.sql')], { encoding: 'utf8' }))
      .toContain('safe while both versions share the database');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
