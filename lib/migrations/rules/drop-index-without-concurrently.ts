import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, objectName } from '../sql-syntax';

export const dropIndexWithoutConcurrently: MigrationRule = {
  id: 'drop-index-without-concurrently',
  severity: 'warning',
  statementKinds: ['DropStmt'],
  reason: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table; it waits for running '
    + 'queries and blocks every new one of the running version meanwhile.',
  recipe: [
    'DROP INDEX CONCURRENTLY ... (outside a transaction).',
    'Make sure the running version does not depend on the index for acceptable query times.',
  ],
  check: (subject) => {
    const drop = bodyOf<DropStmt>(subject.statement.node, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_INDEX' || drop.concurrent) return [];
    return (drop.objects ?? []).map((object) => ({ message: `index ${objectName(object)} is dropped without CONCURRENTLY: its table is locked meanwhile` }));
  },
};
