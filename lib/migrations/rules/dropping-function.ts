import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, objectName } from '../sql-syntax';

const ROUTINE_KINDS: Record<string, string> = { OBJECT_FUNCTION: 'function', OBJECT_PROCEDURE: 'procedure', OBJECT_ROUTINE: 'routine' };

export const droppingFunction: MigrationRule = {
  id: 'dropping-function',
  severity: 'unsafe',
  statementKinds: ['DropStmt'],
  reason: 'The running version may still call the function (directly or through a default, trigger or view); '
    + 'those calls fail with "function does not exist".',
  recipe: [
    'Deploy code that no longer calls it; wait until the old version is fully replaced.',
    'Drop the function in a later migration. To change its body, CREATE OR REPLACE it with the same signature.',
  ],
  check: (subject) => {
    const drop = bodyOf<DropStmt>(subject.statement.node, 'DropStmt');
    const kind = ROUTINE_KINDS[drop?.removeType ?? ''];
    if (!kind) return [];
    return (drop?.objects ?? []).map((object) => ({ message: `${kind} ${objectName(object)} is dropped while the running version may still call it` }));
  },
};
