import { MigrationRule } from '../rule';
import { AccessPriv, bodyOf, GrantRoleStmt, GrantStmt, objectName, RangeVar, relationName, RoleSpec, SyntaxNode } from '../sql-syntax';

const OBJECT_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table', OBJECT_SEQUENCE: 'sequence', OBJECT_FUNCTION: 'function', OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'routine', OBJECT_SCHEMA: 'schema', OBJECT_DATABASE: 'database', OBJECT_TYPE: 'type', OBJECT_DOMAIN: 'domain',
  OBJECT_FOREIGN_TABLE: 'foreign table', OBJECT_LARGEOBJECT: 'large object', OBJECT_TABLESPACE: 'tablespace',
};

export const revokingPrivileges: MigrationRule = {
  id: 'revoking-privileges',
  severity: 'unsafe',
  statementKinds: ['GrantStmt', 'GrantRoleStmt'],
  reason: 'The running version connects as a database role. If that role, a role it belongs to, or PUBLIC loses a '
    + 'privilege the running version uses, its queries fail with "permission denied" (and so do those of the version '
    + 'a rollback returns to).',
  recipe: [
    'Deploy code that no longer needs the privilege (or connects as a role that keeps it).',
    'Wait until the old version is fully replaced and a rollback to it is no longer planned.',
    'Revoke in a later migration (a contract migration: acknowledge it with a reason).',
  ],
  check: (subject) => {
    const node = subject.statement.node;
    const grant = bodyOf<GrantStmt>(node, 'GrantStmt');
    if (grant && !grant.is_grant) {
      const targets = grant.targtype === 'ACL_TARGET_ALL_IN_SCHEMA'
        ? `all ${OBJECT_KINDS[grant.objtype ?? ''] ?? 'object'}s in schema ${(grant.objects ?? []).map(objectName).join(', ')}`
        : targetNames(grant, (relation) => subject.schema.isCreatedInCurrentFile(relation));
      if (targets === undefined) return [];
      return [{ message: `${privilegeNames(grant.privileges)} on ${targets} revoked from ${roleNames(grant.grantees)}` }];
    }
    const membership = bodyOf<GrantRoleStmt>(node, 'GrantRoleStmt');
    if (membership && !membership.is_grant) {
      const roles = (membership.granted_roles ?? []).map((role) => bodyOf<AccessPriv>(role, 'AccessPriv')?.priv_name ?? '(unknown)');
      return [{ message: `membership in ${roles.join(', ')} (and the privileges it gives) revoked from ${roleNames(membership.grantee_roles)}` }];
    }
    return [];
  },
};

/** The objects a REVOKE names, or undefined when they are all tables created earlier in the same file. */
function targetNames(grant: GrantStmt, isNewTable: (relation: RangeVar) => boolean): string | undefined {
  const kind = OBJECT_KINDS[grant.objtype ?? ''] ?? 'object';
  const names: string[] = [];
  for (const object of grant.objects ?? []) {
    const relation = bodyOf<RangeVar>(object, 'RangeVar');
    if (relation && isNewTable(relation)) continue; // nothing that runs uses it yet
    names.push(relation ? relationName(relation) : objectName(object));
  }
  return names.length === 0 ? undefined : `${kind} ${names.join(', ')}`;
}

function privilegeNames(privileges: readonly SyntaxNode[] | undefined): string {
  if (!privileges || privileges.length === 0) return 'ALL privileges';
  return privileges.map((node) => {
    const privilege = bodyOf<AccessPriv>(node, 'AccessPriv');
    const columns = (privilege?.cols ?? []).map((column) => objectName(column));
    return `${(privilege?.priv_name ?? 'ALL').toUpperCase()}${columns.length > 0 ? ` (${columns.join(', ')})` : ''}`;
  }).join(', ');
}

function roleNames(roles: readonly SyntaxNode[] | undefined): string {
  return (roles ?? []).map((node) => {
    const role = bodyOf<RoleSpec>(node, 'RoleSpec');
    if (role?.roletype === 'ROLESPEC_PUBLIC') return 'PUBLIC';
    if (role?.roletype === 'ROLESPEC_CURRENT_USER') return 'CURRENT_USER';
    if (role?.roletype === 'ROLESPEC_SESSION_USER') return 'SESSION_USER';
    return role?.rolename ?? '(unknown)';
  }).join(', ');
}
