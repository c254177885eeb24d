import { Field, ID, InterfaceType } from "type-graphql";

/**
 * Relay's Node: an object that can be fetched again by its id alone, with node(id:). helpgate's
 * ids are the objects' own ids (GUIDs, as Microsoft Graph gives them), not encoded global ids,
 * so a Node's id is the same value its type's own query takes.
 */

const typeNames = new WeakMap<object, string>();

/** Marks a value returned by node or nodes with its GraphQL type, for the interface to resolve. */
export function asNode<T extends object>(typeName: NodeTypeName, value: T): T {
  typeNames.set(value, typeName);
  return value;
}

export type NodeTypeName = "User" | "Group" | "ServicePrincipal" | "SubscribedSku" | "DirectoryAudit";

/** The GraphQL type of a value marked by asNode (the Node interface's resolveType). */
export function nodeTypeName(value: object): string | undefined {
  return typeNames.get(value);
}

@InterfaceType("Node", {
  description: "An object with an id that node(id:) fetches again (Relay's Node). The id is the object's own id, as its type's query takes it.",
  resolveType: nodeTypeName,
})
export abstract class Node {
  @Field(() => ID, { description: "The object's id." })
  id!: string;
}
