import { isNewTable, MigrationRule } from '../rule';
import { bodyOf, IndexStmt, relationName } from '../sql-syntax';

export const createIndexWithoutConcurrently: MigrationRule = {
  id: 'create-index-without-concurrently',
  severity: 'warning',
  statementKinds: ['IndexStmt'],
  reason: 'CREATE INDEX without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and '
    + 'DELETE of the running version waits until the index is built (minutes on a large table).',
  recipe: [
    'CREATE INDEX CONCURRENTLY ... (it cannot run inside a transaction: give it its own migration, without a transaction wrapper).',
    'If it fails, it leaves an INVALID index: DROP INDEX CONCURRENTLY it and retry.',
  ],
  check: (subject) => {
    const index = bodyOf<IndexStmt>(subject.statement.node, 'IndexStmt');
    if (!index || index.concurrent || isNewTable(subject, index.relation)) return [];
    return [{ message: `index ${index.idxname ? `${index.idxname} ` : ''}on ${relationName(index.relation)} is built without CONCURRENTLY: writes to the table wait until it is built` }];
  },
};
