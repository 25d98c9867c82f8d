import { MigrationRule } from '../rule';
import { bodyOf, objectName, RenameStmt } from '../sql-syntax';

const ROUTINE_KINDS: Record<string, string> = { OBJECT_FUNCTION: 'function', OBJECT_PROCEDURE: 'procedure', OBJECT_ROUTINE: 'routine' };

export const renamingFunction: MigrationRule = {
  id: 'renaming-function',
  severity: 'unsafe',
  statementKinds: ['RenameStmt'],
  reason: 'The running version still calls the function by its old name; those calls fail with "function does not exist".',
  recipe: [
    'Create the function under the new name (the old one can call it).',
    'Deploy code that calls the new name; wait until the old version is fully replaced.',
    'Drop the old function in a later migration.',
  ],
  check: (subject) => {
    const rename = bodyOf<RenameStmt>(subject.statement.node, 'RenameStmt');
    const kind = ROUTINE_KINDS[rename?.renameType ?? ''];
    if (!kind) return [];
    return [{ message: `${kind} ${objectName(rename?.object)} is renamed to ${rename?.newname} while the running version calls the old name` }];
  },
};
