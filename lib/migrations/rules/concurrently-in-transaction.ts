import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, IndexStmt } from '../sql-syntax';

export const concurrentlyInTransaction: MigrationRule = {
  id: 'concurrently-in-transaction',
  severity: 'warning',
  statementKinds: ['IndexStmt', 'DropStmt'],
  reason: 'CREATE / DROP INDEX CONCURRENTLY cannot run inside a transaction block: PostgreSQL rejects it, so '
    + 'the migration fails at deploy time.',
  recipe: [
    'Move the statement to its own migration, outside BEGIN ... COMMIT.',
    'If the migration tool wraps every file in a transaction, turn that off for this file (for example '
      + 'Flyway executeInTransaction=false, golang-migrate without BEGIN/COMMIT, Rails disable_ddl_transaction!).',
  ],
  check: (subject) => {
    if (!subject.schema.isInExplicitTransaction()) return [];
    const node = subject.statement.node;
    const concurrent = bodyOf<IndexStmt>(node, 'IndexStmt')?.concurrent || bodyOf<DropStmt>(node, 'DropStmt')?.concurrent;
    return concurrent ? [{ message: 'CONCURRENTLY inside BEGIN ... COMMIT: PostgreSQL rejects it and the migration fails' }] : [];
  },
};
