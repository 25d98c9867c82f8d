import { MigrationRule } from '../rule';
import { bodyOf, relationName, RenameStmt } from '../sql-syntax';

export const renamingView: MigrationRule = {
  id: 'renaming-view',
  severity: 'unsafe',
  statementKinds: ['RenameStmt'],
  reason: 'The running version still queries the view by its old name (or its old column names); those queries fail.',
  recipe: [
    'Create the view under the new name beside the old one.',
    'Deploy code that uses the new name; wait until the old version is fully replaced.',
    'Drop the old view in a later migration.',
  ],
  check: (subject) => {
    const rename = bodyOf<RenameStmt>(subject.statement.node, 'RenameStmt');
    if (rename?.renameType !== 'OBJECT_VIEW' && rename?.renameType !== 'OBJECT_MATVIEW') return [];
    return [{ message: `view ${relationName(rename.relation)} is renamed to ${rename.newname} while the running version uses the old name` }];
  },
};
