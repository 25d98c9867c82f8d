import { isNewTable, MigrationRule } from '../rule';
import { AlterObjectSchemaStmt, bodyOf, relationName, RenameStmt } from '../sql-syntax';

export const renamingTable: MigrationRule = {
  id: 'renaming-table',
  severity: 'unsafe',
  statementKinds: ['RenameStmt', 'AlterObjectSchemaStmt'],
  reason: 'The running version still uses the old table name (or schema); its queries fail with '
    + '"relation does not exist" the moment the rename commits.',
  recipe: [
    'Create the new table (or rename and leave an updatable view with the old name: CREATE VIEW old AS SELECT * FROM new).',
    'Deploy code that writes both (or rely on the view) and backfill the new table in batches.',
    'Deploy code that uses only the new name; wait until the old version is gone.',
    'Drop the old table or the compatibility view in a later migration.',
  ],
  check: (subject) => {
    const rename = bodyOf<RenameStmt>(subject.statement.node, 'RenameStmt');
    if (rename?.renameType === 'OBJECT_TABLE' && !isNewTable(subject, rename.relation)) {
      return [{ message: `table ${relationName(rename.relation)} is renamed to ${rename.newname} while the running version uses the old name` }];
    }
    const move = bodyOf<AlterObjectSchemaStmt>(subject.statement.node, 'AlterObjectSchemaStmt');
    if (move?.objectType === 'OBJECT_TABLE' && !isNewTable(subject, move.relation)) {
      return [{ message: `table ${relationName(move.relation)} is moved to schema ${move.newschema} while the running version uses the old name` }];
    }
    return [];
  },
};
