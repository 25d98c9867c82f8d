import { isNewTable, MigrationRule } from '../rule';
import { bodyOf, DeleteStmt, relationName, UpdateStmt } from '../sql-syntax';

export const unbatchedUpdate: MigrationRule = {
  id: 'unbatched-update',
  severity: 'warning',
  statementKinds: ['UpdateStmt', 'DeleteStmt'],
  reason: 'An UPDATE or DELETE of every row runs as one transaction: it locks each row it touches until it commits, '
    + 'so the running version\'s writes to those rows wait (or time out), and it bloats the table and the WAL at once.',
  recipe: [
    'Backfill in batches outside the schema migration: UPDATE ... WHERE id BETWEEN <n> AND <n + batch> (or a LIMITed '
      + 'subquery), committing each batch and pausing between batches.',
    'Keep the new version correct while the backfill is partial (treat missing values as "not yet migrated").',
  ],
  check: (subject) => {
    const update = bodyOf<UpdateStmt>(subject.statement.node, 'UpdateStmt');
    const remove = bodyOf<DeleteStmt>(subject.statement.node, 'DeleteStmt');
    const target = update ?? remove;
    if (!target || target.whereClause || isNewTable(subject, target.relation)) return [];
    const verb = update ? 'UPDATE' : 'DELETE';
    return [{ message: `${verb} of every row of ${relationName(target.relation)} in one statement (no WHERE clause)` }];
  },
};
