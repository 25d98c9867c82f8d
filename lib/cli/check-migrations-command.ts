import { checkMigrationSources, MigrationCheckReport, MigrationSource } from '../migrations/checker';
import { collectMigrationFiles, MigrationPathError, MigrationReadError, readMigrationSources } from '../migrations/migration-files';
import { loadPostgresParser, loadPostgresTextsParser } from '../migrations/postgres-parser';
import { formatReport, summarize } from '../migrations/report-text';
import { MIGRATION_RULES } from '../migrations/rules';
import { SUPPRESSION_SYNTAX } from '../migrations/suppressions';
import { CommandIo, EXIT } from './command-line';
import {
  CheckingThreads, currentMachineLoad, MachineLoad, MAX_AUTOMATIC_THREADS, MAX_THREADS, MIN_FILES_PER_EXTRA_THREAD, threadCount,
} from './threaded-check';

const HELP = `Usage: cdk-blue-green check-migrations <file or directory>... [options]

Checks PostgreSQL migrations for statements that break the version still running while blue and
green share one database (and the version a rollback returns to). Directories are searched
recursively for .sql files, run in name order (V9 before V10).

Options:
  --json               Print the report as JSON (one line) on stdout.
  --fail-on-warnings   Exit 1 on warnings (lock hazards) too, not only on unsafe statements.
  --list-rules         Print the rule ids with their severity and exit.
  -h, --help           Print this help.

Troubleshooting:
  --threads <n>        Check on n threads (1 to ${MAX_THREADS}); the output is the same on any number.
                       By default one more thread per ${MIN_FILES_PER_EXTRA_THREAD} files, up to one per core that other
                       work leaves idle (at most ${MAX_AUTOMATIC_THREADS}). --threads 1 checks in a single thread.

Exit codes: 0 safe (warnings allowed), 1 unsafe statements, unparsable files or invalid
suppressions (or warnings with --fail-on-warnings), 2 usage error or unreadable file.

Suppress a finding with a reason, in a comment on the lines directly before the statement (or at
the end of its last line); allow-file covers every statement of the file:
  ${SUPPRESSION_SYNTAX}`;

interface CheckOptions {
  readonly json: boolean;
  readonly failOnWarnings: boolean;
  readonly listRules: boolean;
  readonly help: boolean;
  /** undefined: decided by the number of files and cores. */
  readonly threads?: number;
  readonly paths: readonly string[];
}

class UsageError extends Error {}

function parseArguments(args: readonly string[]): CheckOptions {
  let json = false;
  let failOnWarnings = false;
  let listRules = false;
  let help = false;
  let threads: number | undefined;
  const paths: string[] = [];
  let onlyPaths = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      if (arg === '-') throw new UsageError('reading SQL from standard input ("-") is not supported; give .sql files or directories.');
      paths.push(arg);
    } else if (arg === '--') onlyPaths = true;
    else if (arg === '--json') json = true;
    else if (arg === '--fail-on-warnings') failOnWarnings = true;
    else if (arg === '--list-rules') listRules = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--threads') threads = threadsOption(args[++index]);
    else if (arg.startsWith('--threads=')) threads = threadsOption(arg.slice('--threads='.length));
    else {
      throw new UsageError(`unknown option "${arg}"; the options are --json, --fail-on-warnings, --list-rules, --threads and --help `
        + '(put "--" before a path that starts with "-").');
    }
  }
  return { json, failOnWarnings, listRules, help, threads, paths };
}

function threadsOption(value: string | undefined): number {
  if (value === undefined || !/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > MAX_THREADS) {
    const given = value === undefined ? 'nothing' : `"${value}"`;
    throw new UsageError(`--threads takes a whole number from 1 to ${MAX_THREADS}, got ${given}; `
      + 'leave it out to let the tool choose, or give --threads 1 to check in a single thread.');
  }
  return Number(value);
}

export async function runCheckMigrations(args: readonly string[], io: CommandIo): Promise<number> {
  let options: CheckOptions;
  let files: string[];
  let early: CheckingThreads | undefined;
  let machine: MachineLoad;
  try {
    options = parseArguments(args);
    if (options.help) {
      io.stdout(`${HELP}\n`);
      return EXIT.ok;
    }
    if (options.listRules) {
      io.stdout(`${MIGRATION_RULES.map((rule) => `${rule.id.padEnd(38)} ${rule.severity}`).join('\n')}\n`);
      return EXIT.ok;
    }
    if (options.paths.length === 0) {
      throw new UsageError('no migrations given; name one or more .sql files or directories that contain them.');
    }
    // Read once, before this tool's own threads run and would count as busy.
    machine = currentMachineLoad();
    // The parser's WebAssembly compiles on background threads from here on, while this thread lists
    // and reads the files. Every thread count needs it on this thread (the workers get it compiled).
    // A failed load is reported where the parser is awaited; until then its rejection is handled here.
    loadPostgresParser().catch(() => undefined);
    // Worker threads take tens of milliseconds to start: started now, that overlaps listing the files.
    early = startThreadsEarly(options, io, machine);
    files = collectMigrationFiles(options.paths, io.workingDirectory);
    if (files.length === 0) {
      throw new UsageError(`no .sql files found in ${options.paths.map((path) => `"${path}"`).join(', ')}; `
        + 'give the directory that holds the migration files.');
    }
  } catch (error) {
    early?.stop();
    if (error instanceof UsageError || error instanceof MigrationPathError) {
      io.stderr(`cdk-blue-green check-migrations: ${error.message}\nRun "cdk-blue-green check-migrations --help" for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }

  let report: MigrationCheckReport;
  try {
    report = await checkFiles(files, io, threadCount(files.length, options.threads, machine), early);
  } catch (error) {
    if (!(error instanceof MigrationReadError)) throw error;
    io.stderr(`cdk-blue-green check-migrations: ${error.message}\n`);
    return EXIT.usage;
  }
  io.stdout(`${options.json ? JSON.stringify(jsonReport(report)) : formatReport(report)}\n`);
  if (report.verdict === 'unsafe') return EXIT.findings;
  return report.verdict === 'warnings' && options.failOnWarnings ? EXIT.findings : EXIT.ok;
}

/**
 * Starts worker threads before the files are listed when the paths alone show that there will be
 * enough files for them: every path that names a .sql file is one file (a directory's files are
 * only known once it is listed, which is quick; their threads start after that).
 */
function startThreadsEarly(options: CheckOptions, io: CommandIo, machine: MachineLoad): CheckingThreads | undefined {
  if (io.workerScript === undefined) return undefined;
  const threads = threadCount(options.paths.filter(namesSqlFile).length, options.threads, machine);
  return threads > 1 ? CheckingThreads.start(threads - 1, io.workerScript) : undefined;
}

function namesSqlFile(path: string): boolean {
  return path.toLowerCase().endsWith('.sql');
}

/** On `threads` threads when the tool runs as a script that can start workers, else on one. */
async function checkFiles(
  files: readonly string[], io: CommandIo, threads: number, early: CheckingThreads | undefined,
): Promise<MigrationCheckReport> {
  let workers = early;
  if (threads > 1 && io.workerScript !== undefined) {
    workers ??= CheckingThreads.start(0, io.workerScript);
    workers.resize(threads - 1);
  } else {
    early?.stop();
    workers = undefined;
  }
  let sources: MigrationSource[];
  try {
    sources = readMigrationSources(files, io.workingDirectory);
  } catch (error) {
    workers?.stop();
    throw error;
  }
  if (workers) return workers.check(sources, threads);
  return checkMigrationSources(sources, await loadPostgresTextsParser());
}

/**
 * The --json document: verdict, counts, every finding (suppressed ones included, marked), and once
 * per rule that has findings its severity, reason and recipe (as SARIF keeps rules apart from
 * results: repeated in every finding, they made up most of a large report).
 */
export function jsonReport(report: MigrationCheckReport): object {
  const rules: Record<string, { severity: string; reason: string; recipe: readonly string[] }> = {};
  const findings: object[] = [];
  for (const file of report.files) {
    for (const finding of file.findings) {
      rules[finding.rule] ??= { severity: finding.severity, reason: finding.reason, recipe: finding.recipe };
      // Named one by one (a rest pattern costs more over thousands of findings); key order is output order.
      findings.push({
        file: finding.file, line: finding.line, column: finding.column, rule: finding.rule, severity: finding.severity,
        message: finding.message, statement: finding.statement, suppressed: finding.suppressed,
      });
    }
  }
  return {
    verdict: report.verdict,
    summary: summarize(report),
    rules,
    files: report.files.map((file) => ({ file: file.file, statements: file.statements })),
    findings,
  };
}
