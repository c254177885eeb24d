/** The built-in directory roles helpgate knows, with Entra's role template ids. */
export interface DirectoryRoleDefinition {
  roleTemplateId: string;
  displayName: string;
  description: string;
}

export const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
export const LICENSE_ADMINISTRATOR = "4d6ac14f-3453-41d0-bef9-a3e0c569773a";
export const USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1";
export const GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
export const DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
export const GROUPS_ADMINISTRATOR = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
export const DIRECTORY_WRITERS = "9360feb5-f418-4baa-8175-e2a00bac4301";

export const DIRECTORY_ROLES: readonly DirectoryRoleDefinition[] = [
  {
    roleTemplateId: GLOBAL_ADMINISTRATOR,
    displayName: "Global Administrator",
    description: "Can manage every part of the directory, including subscriptions and role assignments.",
  },
  {
    roleTemplateId: LICENSE_ADMINISTRATOR,
    displayName: "License Administrator",
    description: "Can assign, remove and reprocess licenses on users and groups, and edit usage locations.",
  },
  {
    roleTemplateId: USER_ADMINISTRATOR,
    displayName: "User Administrator",
    description: "Can manage users and groups, including their licenses and usage locations.",
  },
  {
    roleTemplateId: GROUPS_ADMINISTRATOR,
    displayName: "Groups Administrator",
    description: "Can create, update and delete groups, manage their members and their licenses, and read the audit log; not users.",
  },
  {
    roleTemplateId: DIRECTORY_WRITERS,
    displayName: "Directory Writers",
    description: "Can read and write basic directory information: create and update users and groups, manage group members, and assign licenses. Deletes nothing.",
  },
  {
    roleTemplateId: GLOBAL_READER,
    displayName: "Global Reader",
    description: "Can read everything a Global Administrator can, but change nothing.",
  },
  {
    roleTemplateId: DIRECTORY_READERS,
    displayName: "Directory Readers",
    description: "Can read basic directory information.",
  },
];

const BY_ID = new Map(DIRECTORY_ROLES.map((role) => [role.roleTemplateId, role]));

export function findRole(roleTemplateId: string): DirectoryRoleDefinition | undefined {
  return BY_ID.get(roleTemplateId.toLowerCase());
}
