import { ParsedStatement } from './parsed-migration';
import { SchemaKnowledge } from './schema-knowledge';
import { AlterTableCmd, AlterTableStmt, bodyOf, RangeVar, relationName } from './sql-syntax';

/**
 * `unsafe`: breaks the version that is still running (or that a rollback returns to).
 * `warning`: compatible, but can block the running version (locks, rewrites) or needs a human check.
 */
export type Severity = 'unsafe' | 'warning';

/** One statement, with what is known about the schema just before it runs. */
export interface StatementUnderCheck {
  readonly statement: ParsedStatement;
  readonly schema: SchemaKnowledge;
}

/** A rule applies to a statement; the message says how, in terms of that statement. */
export interface RuleHit {
  readonly message: string;
}

/** A classification rule: one kind of statement that is not safe while two versions share a database. */
export interface MigrationRule {
  /** Stable, kebab-case id used in output, suppressions and acknowledgments. */
  readonly id: string;
  readonly severity: Severity;
  /** The statement types (parse-tree node names) the rule examines; it is only called for those. */
  readonly statementKinds: readonly string[];
  /**
   * For ALTER TABLE: the subcommands (AlterTableCmd subtypes) the rule examines; it is only called
   * for an ALTER TABLE that has one of them. Absent: for every ALTER TABLE.
   */
  readonly alterTableCommands?: readonly string[];
  /** Why this is a problem while the old and the new version run against the same database. */
  readonly reason: string;
  /** The phased way to get the same result safely, one step per entry. */
  readonly recipe: readonly string[];
  check(subject: StatementUnderCheck): RuleHit[];
}

/** The table of an ALTER TABLE and its subcommands, when the statement is one. */
export interface AlteredTable {
  readonly relation: RangeVar | undefined;
  readonly table: string;
  readonly commands: AlterTableCmd[];
}

// Most rules look at ALTER TABLE; unwrap each statement once, not once per rule.
const alteredTables = new WeakMap<object, AlteredTable | undefined>();

export function alteredTable(subject: StatementUnderCheck): AlteredTable | undefined {
  const node = subject.statement.node;
  if (alteredTables.has(node)) return alteredTables.get(node);
  const alter = bodyOf<AlterTableStmt>(node, 'AlterTableStmt');
  const altered = alter && {
    relation: alter.relation,
    table: relationName(alter.relation),
    commands: (alter.cmds ?? [])
      .map((command) => bodyOf<AlterTableCmd>(command, 'AlterTableCmd'))
      .filter((command): command is AlterTableCmd => command !== undefined),
  };
  alteredTables.set(node, altered);
  return altered;
}

/**
 * True when the table was created earlier in the same migration file: the running version cannot
 * be using it yet, so changing it is neither a compatibility nor a lock problem.
 */
export function isNewTable(subject: StatementUnderCheck, relation: RangeVar | undefined): boolean {
  return relation !== undefined && subject.schema.isCreatedInCurrentFile(relation);
}

/** Hits for every ALTER TABLE subcommand of the given subtype on an existing table. */
export function alterCommandHits(
  subject: StatementUnderCheck,
  subtype: string,
  message: (table: string, command: AlterTableCmd) => string | undefined,
): RuleHit[] {
  const altered = alteredTable(subject);
  if (!altered || !altered.commands.some((command) => command.subtype === subtype) || isNewTable(subject, altered.relation)) return [];
  const hits: RuleHit[] = [];
  for (const command of altered.commands) {
    const text = command.subtype === subtype ? message(altered.table, command) : undefined;
    if (text !== undefined) hits.push({ message: text });
  }
  return hits;
}
