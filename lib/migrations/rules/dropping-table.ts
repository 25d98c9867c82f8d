import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, objectName } from '../sql-syntax';

export const droppingTable: MigrationRule = {
  id: 'dropping-table',
  severity: 'unsafe',
  statementKinds: ['DropStmt'],
  reason: 'The running version (and the version a rollback returns to) may still query the table; its '
    + 'queries fail with "relation does not exist", and the data is gone for a rollback.',
  recipe: [
    'Deploy code that no longer uses the table.',
    'Wait until the old version is fully replaced and a rollback to it is no longer planned.',
    'Drop the table in a later migration (a contract migration: acknowledge it with a reason); keep a backup.',
  ],
  check: (subject) => {
    const drop = bodyOf<DropStmt>(subject.statement.node, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_TABLE') return [];
    return (drop.objects ?? [])
      .map(objectName)
      .filter((name) => !subject.schema.isCreatedInCurrentFile({ relname: name }))
      .map((name) => ({ message: `table ${name} is dropped while the running version may still use it` }));
  },
};
