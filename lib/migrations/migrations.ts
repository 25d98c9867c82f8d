import { existsSync, statSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Acknowledgment, applyAcknowledgments } from './acknowledgments';
import { checkMigrationSources, MigrationCheckReport, MigrationFinding } from './checker';
import { collectMigrationFiles, readMigrationSources } from './migration-files';
import { parseSqlTextsSynchronously } from './postgres-parser';
import { formatFinding } from './report-text';
import { knownRuleIds } from './rules';

/**
 * A reasoned acknowledgment that one migration file deliberately does something the checker reports,
 * typically a contract migration (drop or rename) that runs only after the old version is gone.
 */
export interface MigrationAcknowledgment {
  /**
   * The migration file, as the check names it: its path relative to the directory for
   * `Migrations.fromDirectory` (for example `V12__drop_email.sql`), the path as given for
   * `Migrations.fromFiles`. A bare file name is accepted when it is unique.
   */
  readonly file: string;

  /** The rule id to allow in that file, for example `dropping-column`. */
  readonly rule: string;

  /**
   * Why it is safe, for reviewers: for example "the version that read users.email was retired in
   * release 42". Must not be empty.
   */
  readonly reason: string;
}

/** Options for `Migrations.fromDirectory` and `Migrations.fromFiles`. */
export interface MigrationsOptions {
  /**
   * Unsafe statements that are intended, each with its reason.
   *
   * @default - No acknowledgments: every unsafe statement fails the synthesis.
   */
  readonly acknowledgments?: MigrationAcknowledgment[];

  /**
   * The last migration file that production has already applied: it and every file before it are
   * not checked, because they will not run during this release.
   *
   * @default - Every migration file is checked.
   */
  readonly appliedThrough?: string;

  /**
   * Fail the synthesis on warnings (lock hazards such as CREATE INDEX without CONCURRENTLY) too.
   *
   * @default false - Warnings are reported as construct warnings and do not fail the synthesis.
   */
  readonly failOnWarnings?: boolean;
}

/** What a migration check found. */
export interface MigrationCheckResult {
  /** Migration files checked. */
  readonly filesChecked: number;
  /** Statements checked. */
  readonly statementsChecked: number;
  /** Findings allowed by a suppression comment or an acknowledgment. */
  readonly suppressed: number;
  /** Warnings (lock hazards), each also added as a construct warning. */
  readonly warnings: number;
}

interface NamedFile {
  readonly path: string;
  readonly name: string;
}

/**
 * The SQL migrations that run while both colors of a blue-green service share one PostgreSQL
 * database. At synthesis, `check` parses them with the PostgreSQL parser and fails when a statement
 * would break the version that is still running (or that a rollback returns to), naming the file,
 * line, rule and the phased recipe that makes the change safely.
 *
 * An intended statement is allowed either in the SQL, with a comment directly before it:
 * `-- cdk-blue-green: allow <rule>: <reason>` (`allow-file` for the whole file), or here with
 * `acknowledgments`. `npx cdk-blue-green check-migrations --list-rules` lists the rules; the same
 * command checks migrations outside synthesis (for example in a pull request).
 */
export class Migrations {
  /**
   * The `.sql` files under a directory (recursively), in file-name order with numbers compared as
   * numbers (`V9__a.sql` before `V10__b.sql`).
   *
   * @param directory path of the directory, relative to the working directory of the CDK app.
   */
  public static fromDirectory(directory: string, options: MigrationsOptions = {}): Migrations {
    const absolute = resolve(directory);
    if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
      throw new Error(`Migrations.fromDirectory: "${directory}" is not a directory (resolved to ${absolute} from ${process.cwd()}). `
        + 'Give the directory that holds the .sql migration files, relative to the CDK app\'s working directory.');
    }
    const files = collectMigrationFiles([absolute], absolute).map((path) => ({ path, name: relative(absolute, path).split(sep).join('/') }));
    return new Migrations('Migrations.fromDirectory', files, options);
  }

  /**
   * The given `.sql` files, in the given order.
   *
   * @param files paths of the files, relative to the working directory of the CDK app.
   */
  public static fromFiles(files: string[], options: MigrationsOptions = {}): Migrations {
    if (files.length === 0) {
      throw new Error('Migrations.fromFiles: no files given. Pass the .sql migration files in the order they run, '
        + 'or use Migrations.fromDirectory.');
    }
    const named = files.map((file, index) => {
      const absolute = resolve(file);
      if (!existsSync(absolute) || !statSync(absolute).isFile()) {
        throw new Error(`Migrations.fromFiles: files[${index}] "${file}" is not a file (resolved to ${absolute} from ${process.cwd()}). `
          + 'Give paths of .sql files relative to the CDK app\'s working directory.');
      }
      return { path: absolute, name: file.split(sep).join('/') };
    });
    return new Migrations('Migrations.fromFiles', named, options);
  }

  /** Absolute paths of the migration files that `check` examines, in the order they run. */
  public readonly files: string[];

  private readonly acknowledgments: Acknowledgment[];
  private readonly failOnWarnings: boolean;
  private readonly checked: NamedFile[];
  private report?: { report: MigrationCheckReport; unused: Acknowledgment[] };

  private constructor(factory: string, files: NamedFile[], options: MigrationsOptions) {
    let checked = files;
    if (options.appliedThrough !== undefined) {
      const last = findFile(files, options.appliedThrough);
      if (last === undefined) {
        throw new Error(`${factory}: appliedThrough "${options.appliedThrough}" names no migration file; `
          + `the files are: ${describeFiles(files)}. Give the name of the last file production has applied.`);
      }
      checked = files.slice(files.indexOf(last) + 1);
    }
    this.checked = checked;
    this.files = checked.map((file) => file.path);
    this.failOnWarnings = options.failOnWarnings ?? false;
    this.acknowledgments = (options.acknowledgments ?? []).map((ack, index) => validateAcknowledgment(factory, files, checked, ack, index));
  }

  /**
   * Checks the migrations, synchronously (call it while the construct tree is built). Throws an
   * error that names the file, line, rule and recipe of every unsafe statement that is neither
   * suppressed in the SQL nor acknowledged; adds warnings to `scope` for lock hazards and for
   * acknowledgments that match nothing.
   *
   * @param scope the construct that runs the migrations (its path is named in errors and warnings).
   */
  public check(scope: IConstruct): MigrationCheckResult {
    const { report, unused } = this.evaluate();
    const findings = report.files.flatMap((file) => file.findings);
    const open = findings.filter((finding) => !finding.suppressed);
    const blocking = open.filter((finding) => finding.severity === 'unsafe' || this.failOnWarnings);
    if (blocking.length > 0) throw new Error(blockingMessage(scope, blocking));
    for (const warning of open) {
      Annotations.of(scope).addWarningV2(`cdk-blue-green:migrations:${warning.rule}`, formatFinding(warning));
    }
    for (const ack of unused) {
      Annotations.of(scope).addWarningV2('cdk-blue-green:migrations:unused-acknowledgment',
        `The acknowledgment of ${ack.rule} in ${ack.file} matches no finding; remove it so it cannot hide a future statement.`);
    }
    return {
      filesChecked: report.files.length,
      statementsChecked: report.files.reduce((total, file) => total + file.statements, 0),
      suppressed: findings.length - open.length,
      warnings: open.filter((finding) => finding.severity === 'warning').length,
    };
  }

  private evaluate(): { report: MigrationCheckReport; unused: Acknowledgment[] } {
    if (!this.report) {
      const sources = readMigrationSources(this.files, process.cwd())
        .map((source, index) => ({ ...source, file: this.checked[index].name }));
      this.report = applyAcknowledgments(checkMigrationSources(sources, parseSqlTextsSynchronously), this.acknowledgments);
    }
    return this.report;
  }
}

function blockingMessage(scope: IConstruct, findings: MigrationFinding[]): string {
  return [
    `${scope.node.path}: ${findings.length} migration statement(s) would break the version that is still running `
      + 'while blue and green share the database (or the version a rollback returns to):',
    '',
    ...findings.map(formatFinding).map((text) => `${text}\n`),
    findings.some((finding) => finding.statement !== undefined)
      ? 'Change the migration as the recipe says. If it is a contract migration that runs only after the old version '
        + 'is gone, allow it with a reason: a "-- cdk-blue-green: allow <rule>: <reason>" comment before the statement, '
        + 'or Migrations options { acknowledgments: [{ file, rule, reason }] }.'
      : 'Fix the files as the recipe says.',
  ].join('\n');
}

function validateAcknowledgment(
  factory: string, all: NamedFile[], checked: NamedFile[], ack: MigrationAcknowledgment, index: number,
): Acknowledgment {
  const where = `${factory}: acknowledgments[${index}]`;
  if (typeof ack.reason !== 'string' || ack.reason.trim() === '') {
    throw new Error(`${where}.reason is empty. Say why ${ack.rule} is safe in ${ack.file}, for example `
      + '"the version that used this column was retired in release 42"; reviewers rely on it.');
  }
  const rules = knownRuleIds();
  if (!rules.includes(ack.rule)) {
    throw new Error(`${where}.rule "${ack.rule}" is not a rule id. The rule ids are: ${rules.join(', ')}.`);
  }
  const file = findFile(checked, ack.file);
  if (!file) {
    const skipped = findFile(all, ack.file) !== undefined;
    throw new Error(skipped
      ? `${where}.file "${ack.file}" is at or before appliedThrough, so it is not checked; remove the acknowledgment.`
      : `${where}.file "${ack.file}" names no migration file. The files are: ${describeFiles(checked)}.`);
  }
  return { file: file.name, rule: ack.rule, reason: ack.reason.trim() };
}

/** Exact name, or a bare file name when exactly one file has it. */
function findFile(files: NamedFile[], name: string): NamedFile | undefined {
  const exact = files.find((file) => file.name === name);
  if (exact) return exact;
  const byBaseName = files.filter((file) => basename(file.name) === name);
  return byBaseName.length === 1 ? byBaseName[0] : undefined;
}

function describeFiles(files: NamedFile[]): string {
  if (files.length === 0) return '(none)';
  const names = files.map((file) => file.name);
  return names.length > 20 ? `${names.slice(0, 20).join(', ')} and ${names.length - 20} more` : names.join(', ');
}

