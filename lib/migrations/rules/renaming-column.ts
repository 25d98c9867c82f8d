import { isNewTable, MigrationRule } from '../rule';
import { bodyOf, relationName, RenameStmt } from '../sql-syntax';

export const renamingColumn: MigrationRule = {
  id: 'renaming-column',
  severity: 'unsafe',
  statementKinds: ['RenameStmt'],
  reason: 'The running version still uses the old column name; its queries fail with "column does not exist" '
    + 'the moment the rename commits.',
  recipe: [
    'Add the new column (nullable or with a default).',
    'Deploy code that writes both columns (or add a trigger that copies old to new).',
    'Backfill the new column from the old one in batches.',
    'Deploy code that reads and writes only the new column; wait until the old version is gone.',
    'Drop the old column in a later migration.',
  ],
  check: (subject) => {
    const rename = bodyOf<RenameStmt>(subject.statement.node, 'RenameStmt');
    if (rename?.renameType !== 'OBJECT_COLUMN' || isNewTable(subject, rename.relation)) return [];
    return [{ message: `column ${relationName(rename.relation)}.${rename.subname} is renamed to ${rename.newname} while the running version uses the old name` }];
  },
};
