import { alterCommandHits, MigrationRule } from '../rule';
import { isDeclaredNotNull } from '../schema-knowledge';
import { bodyOf, ColumnDef, columnConstraints, dottedName, SyntaxNode } from '../sql-syntax';

// serial types come with a sequence default, so old inserts still get a value.
const SELF_FILLING_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export const addingNotNullColumn: MigrationRule = {
  id: 'adding-not-null-column',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_AddColumn'],
  reason: 'The running version does not know the new column, so its INSERTs leave it out; a NOT NULL '
    + 'column without a default makes every one of those INSERTs fail.',
  recipe: [
    'Add the column with a DEFAULT (constant defaults are instant since PostgreSQL 11), or add it nullable.',
    'Deploy code that writes the column; wait until the old version is fully replaced.',
    'Backfill existing rows in batches, then enforce NOT NULL (see setting-not-null) and drop the default if unwanted.',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_AddColumn', (table, command) => {
    const column = bodyOf<ColumnDef>(command.def, 'ColumnDef');
    if (!column || !isDeclaredNotNull(column)) return undefined;
    const fillsItself = columnConstraints(column).some((constraint) =>
      ['CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(constraint.contype ?? '')
      || (constraint.contype === 'CONSTR_DEFAULT' && !isNullConstant(constraint.raw_expr)));
    const typeName = dottedName(column.typeName?.names).replace(/^pg_catalog\./, '');
    if (fillsItself || SELF_FILLING_TYPES.has(typeName)) return undefined;
    return `column ${table}.${column.colname} is added NOT NULL without a default: INSERTs of the running version omit it and fail`;
  }),
};

// DEFAULT NULL is spelled like a default but fills nothing.
function isNullConstant(expression: SyntaxNode | undefined): boolean {
  return bodyOf<{ isnull?: boolean }>(expression, 'A_Const')?.isnull === true;
}
