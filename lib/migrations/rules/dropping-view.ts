import { MigrationRule } from '../rule';
import { bodyOf, DropStmt, objectName } from '../sql-syntax';

const VIEW_KINDS: Record<string, string> = { OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };

export const droppingView: MigrationRule = {
  id: 'dropping-view',
  severity: 'unsafe',
  statementKinds: ['DropStmt'],
  reason: 'The running version may still query the view; its queries fail with "relation does not exist".',
  recipe: [
    'Deploy code that no longer uses the view; wait until the old version is fully replaced.',
    'Drop the view in a later migration. To change a view in place, use CREATE OR REPLACE VIEW and keep existing columns.',
  ],
  check: (subject) => {
    const drop = bodyOf<DropStmt>(subject.statement.node, 'DropStmt');
    const kind = VIEW_KINDS[drop?.removeType ?? ''];
    if (!kind) return [];
    return (drop?.objects ?? []).map((object) => ({ message: `${kind} ${objectName(object)} is dropped while the running version may still query it` }));
  },
};
