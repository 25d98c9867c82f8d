import { readParseOutput } from './parsed-migration';
import { RawParseOutput } from './postgres-parser';
import { alteredTable, MigrationRule, Severity, StatementUnderCheck } from './rule';
import { MIGRATION_RULES } from './rules';
import { SchemaKnowledge } from './schema-knowledge';
import { SourcePosition, SourceText } from './source-text';
import { kindOf } from './sql-syntax';
import { isSuppression, readSuppression, Suppression, SUPPRESSION_SYNTAX } from './suppressions';

/** One migration file to check. `file` is how it is named in the output. */
export interface MigrationSource {
  readonly file: string;
  readonly sql: string;
}

/** Why a finding does not count. */
export interface FindingSuppression {
  readonly by: 'statement' | 'file' | 'acknowledgment';
  readonly reason: string;
}

export interface MigrationFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly reason: string;
  readonly recipe: readonly string[];
  /** The statement's SQL, when the finding is about a statement. */
  readonly statement?: string;
  readonly suppressed?: FindingSuppression;
}

export interface MigrationFileReport {
  readonly file: string;
  readonly statements: number;
  readonly findings: readonly MigrationFinding[];
}

/** `unsafe` when any unsuppressed finding is unsafe, `warnings` when only warnings remain. */
export type Verdict = 'safe' | 'warnings' | 'unsafe';

export interface MigrationCheckReport {
  readonly verdict: Verdict;
  readonly files: readonly MigrationFileReport[];
}

/** Findings about the files themselves rather than about a statement. */
export const FILE_PROBLEMS = {
  unparsable: {
    rule: 'unparsable-sql',
    severity: 'unsafe' as Severity,
    reason: 'PostgreSQL cannot parse this file, so it cannot be checked (and would fail when run).',
    recipe: ['Fix the syntax at the reported position; psql meta-commands (\\c, \\set) are not SQL and cannot be checked.'],
  },
  invalidSuppression: {
    rule: 'invalid-suppression',
    severity: 'unsafe' as Severity,
    reason: 'A suppression must name known rules and say why the statement is safe here, so reviewers can judge it.',
    recipe: [`Write ${SUPPRESSION_SYNTAX}.`],
  },
  unusedSuppression: {
    rule: 'unused-suppression',
    severity: 'warning' as Severity,
    reason: 'The suppression matches no finding: the statement changed or the comment is not directly before it.',
    recipe: ['Put the comment on the lines directly before the statement, or delete it.'],
  },
};

/**
 * Checks migration files in order. `parseAll` parses the texts (in this process for the CLI, in a
 * worker thread for synthesis); everything else is pure. `schema` is what the checker learns about
 * the schema on the way; pass one to continue after earlier files or to read it afterwards.
 */
export function checkMigrationSources(
  sources: readonly MigrationSource[],
  parseAll: (texts: readonly string[]) => RawParseOutput[],
  schema: SchemaKnowledge = new SchemaKnowledge(),
): MigrationCheckReport {
  const outputs = parseAll(sources.map((source) => source.sql));
  const files = sources.map((source, index) => checkOneFile(source, outputs[index], schema));
  return { verdict: verdictOf(files.flatMap((file) => file.findings)), files };
}

export function verdictOf(findings: readonly MigrationFinding[]): Verdict {
  const counted = findings.filter((finding) => !finding.suppressed);
  if (counted.some((finding) => finding.severity === 'unsafe')) return 'unsafe';
  return counted.length > 0 ? 'warnings' : 'safe';
}

function checkOneFile(source: MigrationSource, raw: RawParseOutput, schema: SchemaKnowledge): MigrationFileReport {
  const text = new SourceText(source.sql);
  const parsed = readParseOutput(text, raw);
  if (!parsed.ok) {
    const problem = FILE_PROBLEMS.unparsable;
    return {
      file: source.file,
      statements: 0,
      findings: [{ ...at(source.file, parsed.position), ...problem, message: `does not parse: ${parsed.message}` }],
    };
  }
  schema.startFile();
  const findings: MigrationFinding[] = [];
  const fileSuppressions: Array<{ suppression: Suppression; used: boolean }> = [];
  const statementSuppressions = new Map<object, { suppression: Suppression; used: boolean }>();
  for (const comment of parsed.comments) {
    const read = readSuppression(comment);
    if (!read) continue;
    if (!isSuppression(read)) {
      findings.push({ ...at(source.file, read.position), ...FILE_PROBLEMS.invalidSuppression, message: read.message });
    } else if (read.scope === 'file') {
      fileSuppressions.push({ suppression: read, used: false });
    } else {
      statementSuppressions.set(comment, { suppression: read, used: false });
    }
  }

  for (const statement of parsed.statements) {
    const subject = { statement, schema };
    const ownSuppressions = statementSuppressions.size === 0 ? [] : statement.comments
      .map((comment) => statementSuppressions.get(comment))
      .filter((entry) => entry !== undefined);
    for (const rule of rulesFor(subject)) {
      for (const hit of rule.check(subject)) {
        const own = ownSuppressions.find((entry) => entry.suppression.rules.includes(rule.id));
        const whole = fileSuppressions.find((entry) => entry.suppression.rules.includes(rule.id));
        const by = own ?? whole;
        if (by) by.used = true;
        // Written out rather than spread: one finding per hit adds up over thousands of files.
        // The key order is the order of the JSON output.
        const finding: Mutable<MigrationFinding> = {
          file: source.file,
          line: statement.position.line,
          column: statement.position.column,
          rule: rule.id,
          severity: rule.severity,
          message: hit.message,
          reason: rule.reason,
          recipe: rule.recipe,
          statement: statement.text,
        };
        if (by) finding.suppressed = { by: own ? 'statement' : 'file', reason: by.suppression.reason };
        findings.push(finding);
      }
    }
    schema.apply(statement.node);
  }

  for (const entry of [...fileSuppressions, ...statementSuppressions.values()]) {
    if (entry.used) continue;
    findings.push({
      ...at(source.file, entry.suppression.position),
      ...FILE_PROBLEMS.unusedSuppression,
      message: `suppression of ${entry.suppression.rules.join(', ')} matches no finding`,
    });
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  return { file: source.file, statements: parsed.statements.length, findings };
}

const RULES_BY_STATEMENT_KIND = new Map<string, MigrationRule[]>();
for (const rule of MIGRATION_RULES) {
  for (const kind of rule.statementKinds) RULES_BY_STATEMENT_KIND.set(kind, [...(RULES_BY_STATEMENT_KIND.get(kind) ?? []), rule]);
}

/** The ALTER TABLE rules for each combination of subcommands met so far (`AT_AddColumn,AT_DropColumn`). */
const ALTER_TABLE_RULES = new Map<string, readonly MigrationRule[]>();

/**
 * The rules to call for a statement, in MIGRATION_RULES order: those of its kind, and for an ALTER
 * TABLE only those that examine one of its subcommands (most ALTER TABLE rules look at one).
 */
function rulesFor(subject: StatementUnderCheck): readonly MigrationRule[] {
  const kind = kindOf(subject.statement.node) ?? '';
  const rules = RULES_BY_STATEMENT_KIND.get(kind) ?? [];
  if (kind !== 'AlterTableStmt') return rules;
  const subtypes = (alteredTable(subject)?.commands ?? []).map((command) => command.subtype ?? '');
  const key = subtypes.join(',');
  let selected = ALTER_TABLE_RULES.get(key);
  if (!selected) {
    selected = rules.filter((rule) => !rule.alterTableCommands || rule.alterTableCommands.some((subtype) => subtypes.includes(subtype)));
    ALTER_TABLE_RULES.set(key, selected);
  }
  return selected;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function at(file: string, position: SourcePosition): { file: string; line: number; column: number } {
  return { file, line: position.line, column: position.column };
}
