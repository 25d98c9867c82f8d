import { alterCommandHits, MigrationRule } from '../rule';
import { bodyOf, ColumnDef, dottedName } from '../sql-syntax';

export const changingColumnType: MigrationRule = {
  id: 'changing-column-type',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  reason: 'Values the running version writes or compares may not fit the new type (its writes and queries then '
    + 'fail), and most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock.',
  recipe: [
    'Add a new column with the new type.',
    'Deploy code that writes both columns (or a trigger that converts); backfill the new one in batches.',
    'Deploy code that reads and writes only the new column; wait until the old version is gone.',
    'Drop the old column in a later migration (rename the new one only with the renaming-column recipe).',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_AlterColumnType', (table, command) => {
    const newType = dottedName(bodyOf<ColumnDef>(command.def, 'ColumnDef')?.typeName?.names).replace(/^pg_catalog\./, '');
    return `column ${table}.${command.name} changes type to ${newType || 'another type'} in place while the running version uses the old type`;
  }),
};
