import { Field, ID, InterfaceType, ObjectType, type ClassType } from "type-graphql";
import { Connection } from "../../common/connection";
import { Node } from "../../node/node";
import { isUserRecord, type DirectoryObjectRecord } from "../model";

/** The GraphQL type of a group member's record (the DirectoryObject interface's resolveType). */
export function directoryObjectTypeName(value: DirectoryObjectRecord): "User" | "Group" {
  return isUserRecord(value) ? "User" : "Group";
}

/**
 * Graph's directoryObject: what a group's members are, users and groups alike. Lists of them
 * hold the plain records of model.ts, so the type is told by the record's own fields.
 */
@InterfaceType("DirectoryObject", {
  implements: Node,
  description:
    "An object in the directory that can be a group member (Graph's directoryObject): a User or a Group. Ask for their own fields with inline fragments, e.g. `... on User { userPrincipalName }`.",
  resolveType: directoryObjectTypeName,
})
export abstract class DirectoryObject implements Node {
  @Field(() => ID, { description: "The object's id (a GUID), unique across the directory." })
  id!: string;

  @Field({ description: "The name shown in lists; lists of directory objects are ordered by it." })
  displayName!: string;
}

@ObjectType({ description: "A page of DirectoryObject items, users and groups (a Relay connection).", simpleResolvers: true })
export class DirectoryObjectConnection extends Connection(DirectoryObject as unknown as ClassType<DirectoryObject>) {}
