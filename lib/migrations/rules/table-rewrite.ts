import { alteredTable, isNewTable, MigrationRule, RuleHit } from '../rule';
import {
  bodyOf, ClusterStmt, ColumnDef, columnConstraints, descendants, DefElemName, dottedName, FuncCall,
  relationName, VacuumStmt,
} from '../sql-syntax';

// Defaults evaluated per row force PostgreSQL to rewrite the table to store them (constant and
// STABLE defaults such as now() are stored once in the catalog instead).
const VOLATILE_FUNCTIONS = new Set([
  'random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'uuidv4', 'uuidv7', 'clock_timestamp',
  'timeofday', 'nextval', 'txid_current', 'statement_timestamp',
]);
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);
const REWRITING_SUBCOMMANDS: Record<string, string> = {
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetTableSpace: 'SET TABLESPACE',
};

export const tableRewrite: MigrationRule = {
  id: 'table-rewrite',
  severity: 'warning',
  statementKinds: ['AlterTableStmt', 'VacuumStmt', 'ClusterStmt'],
  alterTableCommands: [...Object.keys(REWRITING_SUBCOMMANDS), 'AT_AddColumn'],
  reason: 'The statement rewrites the whole table (and its indexes) under an ACCESS EXCLUSIVE lock: every query '
    + 'of the running version waits until it finishes, which on a large table is downtime.',
  recipe: [
    'For a new column with a per-row default: add it without a default (or with a constant one), set the default '
      + 'for new rows, then backfill existing rows in batches.',
    'For VACUUM FULL / CLUSTER / SET TABLESPACE: use pg_repack or schedule a maintenance window.',
  ],
  check: (subject) => {
    const hits: RuleHit[] = [];
    const altered = alteredTable(subject);
    if (altered && !isNewTable(subject, altered.relation)) {
      for (const command of altered.commands) {
        const rewriting = REWRITING_SUBCOMMANDS[command.subtype ?? ''];
        if (rewriting) hits.push({ message: `${rewriting} rewrites table ${altered.table}` });
        const column = command.subtype === 'AT_AddColumn' ? bodyOf<ColumnDef>(command.def, 'ColumnDef') : undefined;
        const cause = column ? rewritingColumnCause(column) : undefined;
        if (cause) hits.push({ message: `column ${altered.table}.${column?.colname} ${cause}, which rewrites the table` });
      }
    }
    const vacuum = bodyOf<VacuumStmt>(subject.statement.node, 'VacuumStmt');
    const full = (vacuum?.options ?? []).some((option) => bodyOf<DefElemName>(option, 'DefElem')?.defname === 'full');
    if (vacuum?.is_vacuumcmd && full) hits.push({ message: 'VACUUM FULL rewrites every table it names (all tables when none is named)' });
    const cluster = bodyOf<ClusterStmt>(subject.statement.node, 'ClusterStmt');
    if (cluster) hits.push({ message: `CLUSTER rewrites ${cluster.relation ? relationName(cluster.relation) : 'every clustered table'}` });
    return hits;
  },
};

function rewritingColumnCause(column: ColumnDef): string | undefined {
  const typeName = dottedName(column.typeName?.names).replace(/^pg_catalog\./, '');
  if (SERIAL_TYPES.has(typeName)) return `is added as ${typeName} (a sequence value per row)`;
  for (const constraint of columnConstraints(column)) {
    if (constraint.contype === 'CONSTR_IDENTITY') return 'is added as an identity column (a sequence value per row)';
    if (constraint.contype === 'CONSTR_GENERATED') return 'is added as a stored generated column';
    if (constraint.contype === 'CONSTR_DEFAULT') {
      for (const node of descendants(constraint.raw_expr)) {
        const name = dottedName(bodyOf<FuncCall>(node, 'FuncCall')?.funcname).replace(/^pg_catalog\./, '');
        if (VOLATILE_FUNCTIONS.has(name)) return `is added with a volatile default (${name}())`;
      }
    }
  }
  return undefined;
}
