import { alteredTable, isNewTable, MigrationRule, RuleHit } from '../rule';
import { AlterPolicyStmt, bodyOf, CreatePolicyStmt, DropStmt, objectName, relationName } from '../sql-syntax';

const ROW_SECURITY_COMMANDS: Record<string, string> = {
  AT_EnableRowSecurity: 'ENABLE ROW LEVEL SECURITY',
  AT_ForceRowSecurity: 'FORCE ROW LEVEL SECURITY',
};

export const restrictingRowAccess: MigrationRule = {
  id: 'restricting-row-access',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt', 'CreatePolicyStmt', 'AlterPolicyStmt', 'DropStmt'],
  alterTableCommands: Object.keys(ROW_SECURITY_COMMANDS),
  reason: 'Under row-level security the running version sees and writes only the rows a policy admits for its role. '
    + 'Enabling it (for a role that does not own the table; with FORCE, for the owner too), adding a restrictive policy, '
    + 'or changing or dropping a policy can hide rows from the running version and make its writes fail with '
    + '"new row violates row-level security policy".',
  recipe: [
    'Create permissive policies that admit everything the running version reads and writes, for its role, before '
      + 'row-level security is enabled.',
    'Deploy code that works under the stricter policies; wait until the old version is fully replaced.',
    'Enable row-level security or tighten the policies in a later migration, and acknowledge it with a reason.',
  ],
  check: (subject) => {
    const hits: RuleHit[] = [];
    const altered = alteredTable(subject);
    if (altered && !isNewTable(subject, altered.relation)) {
      for (const command of altered.commands) {
        const change = ROW_SECURITY_COMMANDS[command.subtype ?? ''];
        if (change) hits.push({ message: `${change} on ${altered.table}: the running version sees only the rows a policy admits for its role` });
      }
    }
    const node = subject.statement.node;
    const created = bodyOf<CreatePolicyStmt>(node, 'CreatePolicyStmt');
    if (created && !created.permissive && !isNewTable(subject, created.table)) {
      hits.push({ message: `restrictive policy ${created.policy_name} on ${created.table ? relationName(created.table) : '(unknown)'} narrows what the running version can read and write` });
    }
    const changed = bodyOf<AlterPolicyStmt>(node, 'AlterPolicyStmt');
    if (changed && !isNewTable(subject, changed.table)) {
      hits.push({ message: `policy ${changed.policy_name} on ${changed.table ? relationName(changed.table) : '(unknown)'} changes what the running version can read and write` });
    }
    const drop = bodyOf<DropStmt>(node, 'DropStmt');
    if (drop?.removeType === 'OBJECT_POLICY') {
      for (const object of drop.objects ?? []) {
        // `policy ON table` is the list [table..., policy].
        const parts = objectName(object).split('.');
        const policy = parts.pop();
        hits.push({ message: `policy ${policy} on ${parts.join('.')} is dropped: rows it admitted are hidden from the running version` });
      }
    }
    return hits;
  },
};
