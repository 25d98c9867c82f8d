import { MigrationRule } from '../rule';
import { bodyOf, RangeVar, relationName, TruncateStmt } from '../sql-syntax';

export const truncatingTable: MigrationRule = {
  id: 'truncating-table',
  severity: 'warning',
  statementKinds: ['TruncateStmt'],
  reason: 'TRUNCATE holds an ACCESS EXCLUSIVE lock (the running version\'s queries on the table wait), removes every '
    + 'row the running version reads, and with CASCADE also empties every table that references it; the rows are '
    + 'gone for a rollback too.',
  recipe: [
    'Make sure no running version needs the rows (or copy them elsewhere first).',
    'On a table in use, delete in batches (DELETE ... WHERE id BETWEEN ...) instead.',
    'Name every table to empty instead of using CASCADE.',
  ],
  check: (subject) => {
    const truncate = bodyOf<TruncateStmt>(subject.statement.node, 'TruncateStmt');
    if (!truncate) return [];
    const cascade = truncate.behavior === 'DROP_CASCADE';
    const tables = (truncate.relations ?? [])
      .map((node) => bodyOf<RangeVar>(node, 'RangeVar'))
      .filter((relation): relation is RangeVar => relation !== undefined && (cascade || !subject.schema.isCreatedInCurrentFile(relation)))
      .map(relationName);
    if (tables.length === 0) return [];
    return [{
      message: `TRUNCATE empties ${tables.join(', ')}${cascade ? ' and, with CASCADE, every table with a foreign key to them' : ''} `
        + 'under an ACCESS EXCLUSIVE lock',
    }];
  },
};
