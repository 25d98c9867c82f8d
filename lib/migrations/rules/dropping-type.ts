import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, objectName } from '../sql-syntax';

export const droppingType: MigrationRule = {
  id: 'dropping-type',
  severity: 'unsafe',
  statementKinds: ['DropStmt'],
  reason: 'Dropping a type (an enum, a composite or a domain) removes its values or labels from the running '
    + 'version\'s queries, which then fail; it is also how enum labels are removed, which breaks old writes of them.',
  recipe: [
    'Deploy code that no longer uses the type or the labels being removed; wait until the old version is gone.',
    'Recreate or drop the type in a later migration (a contract migration: acknowledge it with a reason).',
  ],
  check: (subject) => {
    const drop = bodyOf<DropStmt>(subject.statement.node, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_TYPE' && drop?.removeType !== 'OBJECT_DOMAIN') return [];
    return (drop.objects ?? []).map((object) => ({ message: `type ${objectName(object)} is dropped while the running version may still use it` }));
  },
};
