import { checkMigrationSources, MigrationCheckReport } from '../migrations/checker';
import { collectMigrationFiles, MigrationPathError, readMigrationSources } from '../migrations/migration-files';
import { loadPostgresParser } from '../migrations/postgres-parser';
import { formatReport, summarize } from '../migrations/report-text';
import { MIGRATION_RULES } from '../migrations/rules';
import { SUPPRESSION_SYNTAX } from '../migrations/suppressions';
import { CommandIo, EXIT } from './command-line';

const HELP = `Usage: cdk-blue-green check-migrations <file or directory>... [options]

Checks PostgreSQL migrations for statements that break the version still running while blue and
green share one database (and the version a rollback returns to). Directories are searched
recursively for .sql files, run in name order (V9 before V10).

Options:
  --json               Print the report as JSON on stdout.
  --fail-on-warnings   Exit 1 on warnings (lock hazards) too, not only on unsafe statements.
  --list-rules         Print the rule ids with their severity and exit.
  -h, --help           Print this help.

Exit codes: 0 safe (warnings allowed), 1 unsafe statements, unparsable files or invalid
suppressions (or warnings with --fail-on-warnings), 2 usage error.

Suppress a finding with a reason, in a comment on the lines directly before the statement (or at
the end of its last line); allow-file covers every statement of the file:
  ${SUPPRESSION_SYNTAX}`;

interface CheckOptions {
  readonly json: boolean;
  readonly failOnWarnings: boolean;
  readonly listRules: boolean;
  readonly help: boolean;
  readonly paths: readonly string[];
}

class UsageError extends Error {}

function parseArguments(args: readonly string[]): CheckOptions {
  let json = false;
  let failOnWarnings = false;
  let listRules = false;
  let help = false;
  const paths: string[] = [];
  let onlyPaths = false;
  for (const arg of args) {
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      if (arg === '-') throw new UsageError('reading SQL from standard input ("-") is not supported; give .sql files or directories.');
      paths.push(arg);
    } else if (arg === '--') onlyPaths = true;
    else if (arg === '--json') json = true;
    else if (arg === '--fail-on-warnings') failOnWarnings = true;
    else if (arg === '--list-rules') listRules = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else {
      throw new UsageError(`unknown option "${arg}"; the options are --json, --fail-on-warnings, --list-rules and --help `
        + '(put "--" before a path that starts with "-").');
    }
  }
  return { json, failOnWarnings, listRules, help, paths };
}

export async function runCheckMigrations(args: readonly string[], io: CommandIo): Promise<number> {
  let options: CheckOptions;
  let files: string[];
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
    files = collectMigrationFiles(options.paths, io.workingDirectory);
    if (files.length === 0) {
      throw new UsageError(`no .sql files found in ${options.paths.map((path) => `"${path}"`).join(', ')}; `
        + 'give the directory that holds the migration files.');
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof MigrationPathError) {
      io.stderr(`cdk-blue-green check-migrations: ${error.message}\nRun "cdk-blue-green check-migrations --help" for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }

  const parse = await loadPostgresParser();
  const report = checkMigrationSources(readMigrationSources(files, io.workingDirectory), (texts) => texts.map(parse));
  io.stdout(`${options.json ? JSON.stringify(jsonReport(report), null, 2) : formatReport(report)}\n`);
  if (report.verdict === 'unsafe') return EXIT.findings;
  return report.verdict === 'warnings' && options.failOnWarnings ? EXIT.findings : EXIT.ok;
}

/** The --json document: verdict, counts, and every finding (suppressed ones included, marked). */
export function jsonReport(report: MigrationCheckReport): object {
  return {
    verdict: report.verdict,
    summary: summarize(report),
    files: report.files.map((file) => ({ file: file.file, statements: file.statements })),
    findings: report.files.flatMap((file) => file.findings),
  };
}
