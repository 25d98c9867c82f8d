// Migration-check figures, printed (never asserted): throughput of this checker beside squawk on
// the corpus and on >= 1,000 generated migration files, and which unsafe statements each flags.
//
//   npx tsx bench/migrations.ts            (or as part of `npm run bench`)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { MIN_FILES_PER_EXTRA_THREAD } from '../lib/cli/threaded-check';
import { checkMigrationSources, MigrationCheckReport } from '../lib/migrations/checker';
import { ParsedStatement, readParseOutput } from '../lib/migrations/parsed-migration';
import { loadPostgresParser, loadPostgresTextsParser, ParseSql } from '../lib/migrations/postgres-parser';
import { findRule } from '../lib/migrations/rules';
import { changingColumnType } from '../lib/migrations/rules/changing-column-type';
import { SchemaKnowledge } from '../lib/migrations/schema-knowledge';
import { SourceText } from '../lib/migrations/source-text';
import {
  AlterTableCmd, AlterTableStmt, bodyOf, CreateStmt, IndexStmt, relationName, RenameStmt, SyntaxNode,
} from '../lib/migrations/sql-syntax';
import { loadCorpus } from '../test/migrations/corpus-cases';

const ROOT = join(__dirname, '..');
const SQUAWK_VERSION = '2.66.0';
/** Runs of each measurement; the machine is shared, so one run says little. */
const RUNS = 7;

/**
 * squawk rules that say a statement breaks clients of the current schema (the blue-green concern),
 * and those about locks. The rest (timeouts, idempotency, type preferences) are hygiene.
 */
const SQUAWK_COMPATIBILITY_RULES = new Set([
  'ban-drop-column', 'renaming-column', 'renaming-table', 'ban-drop-table', 'changing-column-type', 'adding-required-field',
  'adding-not-nullable-field', 'constraint-missing-not-valid', 'adding-foreign-key-constraint', 'disallowed-unique-constraint',
  'ban-drop-database', 'ban-drop-not-null', 'ban-truncate-cascade', 'ban-alter-domain-with-add-constraint',
]);
const SQUAWK_LOCK_RULES = new Set([
  'require-concurrent-index-creation', 'require-concurrent-index-deletion', 'adding-field-with-default', 'adding-serial-primary-key-field',
]);

/** One statement template of the generated set: `{t}` is a table, `{c}` a column, `{n}` a number. */
const TEMPLATES: readonly string[] = [
  'ALTER TABLE {t} ADD COLUMN {c} text;',
  "ALTER TABLE {t} ADD COLUMN {c} text NOT NULL DEFAULT 'x';",
  'ALTER TABLE {t} ADD COLUMN {c} integer NOT NULL;',
  'ALTER TABLE {t} DROP COLUMN {c};',
  'ALTER TABLE {t} RENAME COLUMN {c} TO {c}_renamed;',
  'ALTER TABLE {t} RENAME TO {t}_renamed;',
  'ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;',
  'ALTER TABLE {t} ALTER COLUMN {c} TYPE bigint;',
  'DROP TABLE {t};',
  'ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;',
  'ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_check CHECK ({c} > 0);',
  'ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_check CHECK ({c} > 0) NOT VALID;',
  'ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_fk FOREIGN KEY ({c}) REFERENCES parent_{n} (id);',
  'ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_key UNIQUE ({c});',
  'DROP VIEW {t}_view;',
  'ALTER VIEW {t}_view RENAME TO {t}_view_{n};',
  'DROP FUNCTION {t}_total(integer);',
  "ALTER TYPE status_{n} RENAME VALUE 'old' TO 'new';",
  'CREATE INDEX {t}_{c}_idx ON {t} ({c});',
  'CREATE INDEX CONCURRENTLY {t}_{c}_idx ON {t} ({c});',
  'DROP INDEX {t}_{c}_idx;',
  'ALTER TABLE {t} ADD COLUMN {c} uuid DEFAULT gen_random_uuid();',
  'UPDATE {t} SET {c} = 0;',
  'UPDATE {t} SET {c} = 0 WHERE id BETWEEN {n} AND {n} + 1000;',
  'CREATE TABLE {t}_{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {c} text NOT NULL);',
  'ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;',
  'ALTER TABLE {t} DROP CONSTRAINT {t}_{c}_key;',
  "INSERT INTO settings (key, value) VALUES ('{t}', '{n}');",
  'TRUNCATE {t}_staging CASCADE;',
  'REVOKE INSERT ON {t} FROM reporting_{n};',
  'ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;',
];

export interface MigrationBenchResult {
  readonly generatedFiles: number;
  readonly checkerFilesPerSecond: number;
  readonly checkerCliFilesPerSecond: number;
  readonly squawkFilesPerSecond?: number;
  /** Statements squawk flags with a compatibility rule that this checker does not flag at all. */
  readonly missedSquawkCompatibilityStatements?: number;
}

/** Runs the comparison and prints it; returns the figures for the caller's summary. */
export async function benchMigrations(options: { generatedFiles?: number } = {}): Promise<MigrationBenchResult> {
  const fileCount = Math.max(1000, options.generatedFiles ?? 1000);
  const parse = await loadPostgresParser();
  const parseTexts = await loadPostgresTextsParser();
  const workspace = mkdtempSync(join(tmpdir(), 'cdk-blue-green-bench-'));
  const cli = buildCli();
  try {
    const corpusDirectory = join(workspace, 'corpus');
    mkdirSync(corpusDirectory);
    const corpus = loadCorpus();
    for (const testCase of corpus) writeFileSync(join(corpusDirectory, `${testCase.name}.sql`), testCase.migration);
    const generatedDirectory = join(workspace, 'generated');
    generateMigrations(generatedDirectory, fileCount);
    // A larger set shows how the figures scale once the fixed start-up costs matter less.
    const largeFileCount = 5 * fileCount;
    const largeDirectory = join(workspace, 'generated-large');
    generateMigrations(largeDirectory, largeFileCount);

    const squawk = findOrInstallSquawk();
    console.log('\n## Migration check: this checker beside squawk');
    console.log(squawk.path ? `squawk: ${squawk.version} (${squawk.how})` : `squawk: unavailable (${squawk.problem}); printing this checker's figures only`);
    console.log(`Each figure is the median of ${RUNS} runs; the runs alternate between the tools so that a busy moment on a shared machine `
      + 'hits all of them alike. Both command-line tools get the same list of files and write JSON.');

    const cliEnvironment = { ...process.env };
    if (cliEnvironment.NODE_EXTRA_CA_CERTS !== undefined) {
      // Node.js reads and parses that CA bundle at every start (tens of milliseconds, before any of the
      // tool's code runs); the checker makes no TLS connections, and a developer machine or CI runner
      // rarely sets it, so charging it to the checker would measure this machine, not the tool.
      delete cliEnvironment.NODE_EXTRA_CA_CERTS;
      console.log('NODE_EXTRA_CA_CERTS is set here: the checker CLI runs without it (every Node.js start would read that CA bundle).');
    }

    // Fixed cost of one run on one small file: Node start-up plus loading the WebAssembly parser,
    // against squawk's native start-up.
    const oneFile = join(corpusDirectory, `${corpus[0].name}.sql`);
    const startup = interleavedMedians({
      checker: () => spawnSync(process.execPath, [cli.file, 'check-migrations', '--json', oneFile], { env: cliEnvironment }),
      ...(squawk.path ? { squawk: () => spawnSync(squawk.path!, ['--reporter', 'json', oneFile]) } : {}),
    });
    console.log(`start-up on one file: checker CLI ${startup.checker.seconds.toFixed(3)} s, squawk ${squawk.path ? `${startup.squawk.seconds.toFixed(3)} s` : 'n/a'}`);

    const rows: string[][] = [];
    const cpuRows: string[][] = [];
    let result: MigrationBenchResult | undefined;
    const sets = [
      { label: 'corpus', directory: corpusDirectory, compare: true },
      { label: `generated (${fileCount} files)`, directory: generatedDirectory, compare: true },
      { label: `generated (${largeFileCount} files)`, directory: largeDirectory, compare: false },
    ];
    for (const { label, directory, compare } of sets) {
      const files = listSql(directory);
      const sources = files.map((file) => ({ file, sql: readFileSync(file, 'utf8') }));

      let report: MigrationCheckReport | undefined;
      let squawkOutput = '';
      const squawkPath = squawk.path;
      const seconds = interleavedMedians({
        library: () => {
          report = checkMigrationSources(sources, parseTexts);
        },
        cli: () => {
          // The CLI chooses its threads itself, from the files, the cores and how many are busy (the
          // CPU table below shows how many cores it kept busy); the library runs on this thread.
          spawnSync(process.execPath, [cli.file, 'check-migrations', '--json', ...files], { encoding: 'utf8', maxBuffer: 1 << 30, env: cliEnvironment });
        },
        // Only the run is timed; reading its JSON is the benchmark's work, not squawk's.
        ...(squawkPath ? { squawk: () => {
          squawkOutput = spawnSync(squawkPath, ['--reporter', 'json', ...files], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
        } } : {}),
      });
      const librarySeconds = seconds.library.seconds;
      const cliSeconds = seconds.cli.seconds;
      const squawkSeconds = squawkPath ? seconds.squawk.seconds : undefined;
      cpuRows.push([label, ...[seconds.cli, squawkPath ? seconds.squawk : undefined].map(cpuCell)]);
      const squawkViolations = squawkPath ? JSON.parse(squawkOutput || '[]') as SquawkViolation[] : [];
      const ratio = (ours: number, theirs: number | undefined): string => (theirs === undefined ? 'n/a' : `${(theirs / ours).toFixed(2)}x`);
      rows.push([
        label,
        rate(files.length, librarySeconds),
        rate(files.length, cliSeconds),
        squawkSeconds === undefined ? 'n/a' : rate(files.length, squawkSeconds),
        ratio(cliSeconds, squawkSeconds),
      ]);

      const comparison = compareFlags(report!, squawkViolations, sources, parse);
      console.log(`\n### Unsafe statements flagged, ${label}`);
      if (compare) {
        printTable(['statement kind (this checker\'s rule, or squawk\'s)', 'statements', 'this checker', 'squawk (compatibility rule)', 'squawk (lock rule)'], comparison.rows);
      } else {
        console.log(`${comparison.rows.length} kinds of statement, as in the set above (table left out).`);
      }
      if (squawk.path) {
        console.log(`squawk compatibility flags this checker misses: ${comparison.missed.length}`
          + (comparison.missed.length > 0 ? ` (${comparison.missed.slice(0, 5).join('; ')})` : ''));
        if (comparison.deliberate.length > 0) {
          console.log(`squawk compatibility flags this checker deliberately leaves out (not unsafe for the running version): ${comparison.deliberate.length}`
            + ` (${comparison.deliberate.slice(0, 3).join('; ')})`);
        }
      }
      if (directory === generatedDirectory) {
        result = {
          generatedFiles: files.length,
          checkerFilesPerSecond: files.length / librarySeconds,
          checkerCliFilesPerSecond: files.length / cliSeconds,
          squawkFilesPerSecond: squawkSeconds === undefined ? undefined : files.length / squawkSeconds,
          missedSquawkCompatibilityStatements: squawk.path ? comparison.missed.length : undefined,
        };
      }
    }

    console.log(`\n### Throughput (files per second, median of ${RUNS} runs; the CLIs include their start-up)`);
    console.log(`${availableParallelism()} cores; the CLI adds a thread per ${MIN_FILES_PER_EXTRA_THREAD} files for cores that other work leaves idle.`);
    printTable(['set', 'checker (library, in process)', 'checker (CLI process)', 'squawk (CLI process)', 'checker CLI / squawk'], rows);
    // Wall-clock time alone hides how many cores a tool keeps busy: squawk checks files on several
    // threads, so on an idle multi-core machine it gains more than on a busy one.
    console.log(`\n### CPU time per run (user + system, all threads, median of ${RUNS}) and the cores it kept busy on average (CPU time / wall time)`);
    printTable(['set', 'checker (CLI process)', 'squawk (CLI process)'], cpuRows);
    if (result) {
      console.log('\nGoals (printed, not asserted):');
      if (result.squawkFilesPerSecond === undefined) {
        console.log('  - throughput >= half of squawk: not measured (squawk unavailable)');
      } else {
        const ratio = result.checkerCliFilesPerSecond / result.squawkFilesPerSecond;
        console.log(`  - throughput >= half of squawk's on ${result.generatedFiles} files: ${ratio >= 0.5 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x CLI against CLI; `
          + `the in-process library does ${(result.checkerFilesPerSecond / result.squawkFilesPerSecond).toFixed(2)}x; see start-up above)`);
        console.log(`  - no blue-green-unsafe statement squawk flags that this checker misses: ${result.missedSquawkCompatibilityStatements === 0 ? 'met' : `NOT met (${result.missedSquawkCompatibilityStatements})`}`);
      }
    }
    return result!;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    cli.remove();
  }
}

interface SquawkViolation {
  readonly file: string;
  /** 0-based. */
  readonly line: number;
  readonly column: number;
  readonly rule_name: string;
}

/**
 * Statement by statement: which of our rules and which squawk rules flag it, grouped by the kind of
 * statement (our unsafe/warning rule if we flag it, else squawk's compatibility rule).
 */
function compareFlags(
  report: MigrationCheckReport, violations: readonly SquawkViolation[], sources: { file: string; sql: string }[], parse: ParseSql,
): { rows: string[][]; missed: string[]; deliberate: string[] } {
  const squawkByStatement = new Map<string, Set<string>>();
  const statementKeys = new Map<string, Array<{ line: number; column: number; key: string; text: string; deliberate?: string }>>();
  // Walks the files in order as the checker does, to tell why a statement squawk flags is not unsafe here.
  const schema = new SchemaKnowledge();
  for (const source of sources) {
    const parsed = readParseOutput(new SourceText(source.sql), parse(source.sql));
    const created = new Set<string>();
    if (parsed.ok) schema.startFile();
    statementKeys.set(source.file, parsed.ok
      ? parsed.statements.map((statement, index) => {
        const target = targetTable(statement.node);
        const deliberate = target !== undefined && created.has(target) ? 'on a table created earlier in the same file'
          : onlyWidens(statement, schema) ? 'a widening of a column type the migrations declared' : undefined;
        const entry = { ...statement.position, key: `${source.file}#${index}`, text: statement.text, deliberate };
        const createdTable = bodyOf<CreateStmt>(statement.node, 'CreateStmt')?.relation;
        if (createdTable) created.add(relationName(createdTable));
        schema.apply(statement.node);
        return entry;
      })
      : []);
  }
  for (const violation of violations) {
    const statements = statementKeys.get(violation.file) ?? [];
    const line = violation.line + 1;
    const column = violation.column + 1;
    const statement = [...statements].reverse().find((candidate) => candidate.line < line || (candidate.line === line && candidate.column <= column))
      ?? statements[0];
    if (!statement) continue;
    const rules = squawkByStatement.get(statement.key) ?? new Set<string>();
    rules.add(violation.rule_name);
    squawkByStatement.set(statement.key, rules);
  }

  const ours = new Map<string, Set<string>>();
  for (const file of report.files) {
    for (const finding of file.findings) {
      if (!findRule(finding.rule)) continue;
      const statement = (statementKeys.get(file.file) ?? []).find((candidate) => candidate.line === finding.line && candidate.column === finding.column);
      if (!statement) continue;
      const rules = ours.get(statement.key) ?? new Set<string>();
      rules.add(finding.rule);
      ours.set(statement.key, rules);
    }
  }

  const groups = new Map<string, { statements: number; ours: number; squawkCompat: number; squawkLock: number }>();
  const missed: string[] = [];
  const deliberate: string[] = [];
  for (const statements of statementKeys.values()) {
    for (const statement of statements) {
      const ourRules = [...(ours.get(statement.key) ?? [])];
      const squawkRules = [...(squawkByStatement.get(statement.key) ?? [])];
      const compat = squawkRules.filter((rule) => SQUAWK_COMPATIBILITY_RULES.has(rule));
      const lock = squawkRules.filter((rule) => SQUAWK_LOCK_RULES.has(rule));
      const ourUnsafe = ourRules.filter((rule) => findRule(rule)?.severity === 'unsafe');
      const kind = ourUnsafe[0] ? `${ourUnsafe[0]} (unsafe)`
        : ourRules[0] ? `${ourRules[0]} (warning)`
          : compat[0] ? `squawk ${compat[0]}`
            : lock[0] ? `squawk ${lock[0]}` : undefined;
      if (!kind) continue;
      const group = groups.get(kind) ?? { statements: 0, ours: 0, squawkCompat: 0, squawkLock: 0 };
      group.statements++;
      if (ourRules.length > 0) group.ours++;
      if (compat.length > 0) group.squawkCompat++;
      if (lock.length > 0) group.squawkLock++;
      groups.set(kind, group);
      if (compat.length > 0 && ourRules.length === 0) {
        if (statement.deliberate) deliberate.push(`${compat.join(',')}: ${statement.text} (${statement.deliberate})`);
        else missed.push(`${compat.join(',')}: ${statement.text}`);
      }
    }
  }
  const rows = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, group]) => [kind, `${group.statements}`, `${group.ours}`, `${group.squawkCompat}`, `${group.squawkLock}`]);
  return { rows, missed, deliberate };
}

/**
 * A type change the checker's own rule lets through: given what the migrations before said, every
 * column it changes only widens (the rule decides, so the bench cannot drift from it).
 */
function onlyWidens(statement: ParsedStatement, schema: SchemaKnowledge): boolean {
  const commands = bodyOf<AlterTableStmt>(statement.node, 'AlterTableStmt')?.cmds ?? [];
  const changesTypes = commands.length > 0
    && commands.every((command) => bodyOf<AlterTableCmd>(command, 'AlterTableCmd')?.subtype === 'AT_AlterColumnType');
  return changesTypes && changingColumnType.check({ statement, schema }).length === 0;
}

function targetTable(node: SyntaxNode): string | undefined {
  const relation = bodyOf<AlterTableStmt>(node, 'AlterTableStmt')?.relation
    ?? bodyOf<IndexStmt>(node, 'IndexStmt')?.relation
    ?? bodyOf<RenameStmt>(node, 'RenameStmt')?.relation;
  return relation ? relationName(relation) : undefined;
}

/** Deterministic: the same files on every run (a linear congruential generator with a fixed seed). */
export function generateMigrations(directory: string, count: number): void {
  mkdirSync(directory, { recursive: true });
  let state = 42;
  const next = (limit: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % limit;
  };
  for (let file = 1; file <= count; file++) {
    const lines = [`-- generated migration ${file}`];
    const statements = 3 + next(6);
    for (let i = 0; i < statements; i++) {
      const template = TEMPLATES[next(TEMPLATES.length)];
      lines.push(template.replace(/\{t\}/g, `table_${next(50)}`).replace(/\{c\}/g, `column_${next(20)}`).replace(/\{n\}/g, `${next(1000)}`));
    }
    writeFileSync(join(directory, `V${file}__generated.sql`), `${lines.join('\n')}\n`);
  }
}

/**
 * squawk's native binary. The squawk-cli npm package runs it through a Node.js launcher (js/bin/squawk)
 * that starts Node and then spawns the binary: timing the launcher would charge squawk a Node start-up
 * per run that the tool itself does not need, so the binary is timed directly when it can be found.
 */
function findOrInstallSquawk(): { path?: string; version?: string; how?: string; problem?: string } {
  const prefixes = [ROOT, join(ROOT, '.tmp', 'squawk')];
  let found = findSquawk(prefixes);
  if (!found) {
    // squawk-cli is not a devDependency (its optional per-platform packages break `npm ci` where
    // they are missing), so the benchmark installs it on first use into .tmp/.
    const prefix = join(ROOT, '.tmp', 'squawk');
    mkdirSync(prefix, { recursive: true });
    try {
      execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `squawk-cli@${SQUAWK_VERSION}`],
        { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      return { problem: `npm install squawk-cli@${SQUAWK_VERSION} failed: ${String((error as Error).message).split('\n')[0]}` };
    }
    found = findSquawk(prefixes);
    if (!found) return { problem: 'squawk-cli installed but has no binary for this platform' };
  }
  try {
    return { ...found, version: execFileSync(found.path, ['--version'], { encoding: 'utf8' }).trim() };
  } catch (error) {
    return { problem: `squawk does not run here: ${(error as Error).message.split('\n')[0]}` };
  }
}

function findSquawk(prefixes: readonly string[]): { path: string; how: string } | undefined {
  const binary = process.platform === 'win32' ? 'squawk.exe' : 'squawk';
  for (const prefix of prefixes) {
    const native = join(prefix, 'node_modules', '@squawk-cli', `${process.platform}-${process.arch}`, 'bin', binary);
    if (existsSync(native)) return { path: native, how: 'its native binary, without the npm package\'s Node.js launcher' };
  }
  for (const prefix of prefixes) {
    const launcher = join(prefix, 'node_modules', '.bin', 'squawk');
    if (existsSync(launcher)) return { path: launcher, how: 'through the npm package\'s Node.js launcher: its native binary was not found' };
  }
  return undefined;
}

/**
 * The CLI as users run it: bundled like scripts/bundle.mjs does, into a folder inside the package so
 * that libpg-query resolves from node_modules as it does for assets/cli/main.js.
 */
function buildCli(): { file: string; remove: () => void } {
  const scratch = join(ROOT, '.tmp');
  mkdirSync(scratch, { recursive: true });
  const directory = mkdtempSync(join(scratch, 'bench-cli-'));
  const file = join(directory, 'main.js');
  buildSync({
    entryPoints: [join(ROOT, 'lib', 'cli', 'main.ts')],
    outfile: file, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['libpg-query'], logLevel: 'warning',
  });
  return { file, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

function listSql(directory: string): string[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return readdirSync(directory).filter((name) => name.endsWith('.sql')).sort(collator.compare).map((name) => join(directory, name));
}

/** Median wall-clock seconds of a measurement, and of the CPU its child process used (Linux only). */
interface Timing {
  readonly seconds: number;
  /** User + system time of the process the measurement ran, over all its threads. */
  readonly childCpuSeconds?: number;
}

/**
 * Times each measurement RUNS times, one run of each per round, and returns each one's medians.
 * Alternating rounds (rather than all runs of one tool, then the next) spreads a busy spell of a
 * shared machine over every tool instead of penalising whichever ran during it.
 */
function interleavedMedians(measurements: Record<string, () => void>): Record<string, Timing> {
  const names = Object.keys(measurements);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < RUNS; round++) {
    for (const name of names) {
      const cpuBefore = childrenCpuSeconds();
      const start = process.hrtime.bigint();
      measurements[name]();
      times.get(name)!.push(Number(process.hrtime.bigint() - start) / 1e9);
      const cpuAfter = childrenCpuSeconds();
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.get(name)!.push(cpuAfter - cpuBefore);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return Object.fromEntries(names.map((name) => [name, {
    seconds: median(times.get(name)!),
    childCpuSeconds: cpu.get(name)!.length === RUNS ? median(cpu.get(name)!) : undefined,
  }]));
}

let clockTicksPerSecond: number | undefined;

/**
 * CPU seconds (user + system) of this process's children that have ended, from /proc/self/stat
 * (cutime + cstime): spawnSync waits for its child, so the difference around one call is that
 * child's CPU time, every thread included. undefined where /proc is not available.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may contain spaces) start with field 3; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[13]) + Number(fields[14])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

function cpuCell(timing: Timing | undefined): string {
  if (timing?.childCpuSeconds === undefined) return 'n/a';
  return `${timing.childCpuSeconds.toFixed(3)} s (${(timing.childCpuSeconds / timing.seconds).toFixed(1)} cores)`;
}

function rate(files: number, elapsedSeconds: number): string {
  return `${Math.round(files / elapsedSeconds)}`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => row[index].length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, index) => cell.padEnd(widths[index])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  rows.forEach((row) => console.log(line(row)));
}

if (require.main === module) {
  benchMigrations().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
