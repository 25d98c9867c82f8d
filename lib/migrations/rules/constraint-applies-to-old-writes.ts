import { alteredTable, isNewTable, MigrationRule, RuleHit } from '../rule';
import { bodyOf, Constraint, IndexStmt, relationName } from '../sql-syntax';

export const constraintAppliesToOldWrites: MigrationRule = {
  id: 'constraint-applies-to-old-writes',
  severity: 'warning',
  statementKinds: ['AlterTableStmt', 'IndexStmt'],
  alterTableCommands: ['AT_AddConstraint'],
  reason: 'A new constraint or unique index is enforced on every write from the moment it exists, including the '
    + 'running version\'s. NOT VALID and CONCURRENTLY avoid the lock, not the enforcement: the old version breaks '
    + 'if it writes values the constraint rejects.',
  recipe: [
    'Confirm that the version currently running never writes rows the constraint rejects (or ship such a version first).',
    'Then add the constraint (NOT VALID / CONCURRENTLY, as here) and validate it in a later migration.',
  ],
  check: (subject) => {
    const hits: RuleHit[] = [];
    const altered = alteredTable(subject);
    if (altered && !isNewTable(subject, altered.relation)) {
      for (const command of altered.commands) {
        const constraint = command.subtype === 'AT_AddConstraint' ? bodyOf<Constraint>(command.def, 'Constraint') : undefined;
        if (!constraint) continue;
        const relaxed = (constraint.skip_validation && ['CONSTR_CHECK', 'CONSTR_FOREIGN'].includes(constraint.contype ?? ''))
          || (constraint.indexname !== undefined && ['CONSTR_UNIQUE', 'CONSTR_PRIMARY'].includes(constraint.contype ?? ''));
        if (relaxed) {
          hits.push({ message: `constraint ${constraint.conname ? `${constraint.conname} ` : ''}on ${altered.table} is enforced on the running version's writes` });
        }
      }
    }
    const index = bodyOf<IndexStmt>(subject.statement.node, 'IndexStmt');
    if (index?.unique && !isNewTable(subject, index.relation)) {
      hits.push({ message: `unique index ${index.idxname ? `${index.idxname} ` : ''}on ${relationName(index.relation)} rejects duplicate writes of the running version` });
    }
    return hits;
  },
};
