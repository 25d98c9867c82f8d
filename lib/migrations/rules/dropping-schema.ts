import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, objectName } from '../sql-syntax';

export const droppingSchema: MigrationRule = {
  id: 'dropping-schema',
  severity: 'unsafe',
  statementKinds: ['DropStmt', 'DropdbStmt'],
  reason: 'Dropping a schema or a database removes everything in it that the running version uses.',
  recipe: [
    'Deploy code that no longer uses anything in it; wait until the old version is fully replaced.',
    'Drop it in a later migration (a contract migration: acknowledge it with a reason); keep a backup.',
  ],
  check: (subject) => {
    const node = subject.statement.node;
    const drop = bodyOf<DropStmt>(node, 'DropStmt');
    if (drop?.removeType === 'OBJECT_SCHEMA') {
      return (drop.objects ?? []).map((object) => ({ message: `schema ${objectName(object)} is dropped with everything in it` }));
    }
    const dropDatabase = bodyOf<{ dbname?: string }>(node, 'DropdbStmt');
    return dropDatabase ? [{ message: `database ${dropDatabase.dbname} is dropped` }] : [];
  },
};
