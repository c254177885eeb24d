import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from "@apollo/server-gateway-interface";
import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";

/**
 * Runs Apollo's operations through graphql-jit instead of graphql-js's `execute`: each operation
 * is compiled once into a function that walks its selection (the resolvers, the schema's scalar
 * and enum serialization, null bubbling and error paths as graphql-js has them), and every later
 * request of the same document runs that function. On the directory page (100 users with their
 * license states and groups) graphql-js's execution and type-graphql's resolver wrappers were a
 * quarter of the request's CPU; see bench/README.md.
 *
 * Apollo still parses, validates (the query limits included), runs the plugins and formats the
 * errors: this is its "gateway" seam, which only replaces execution. An operation graphql-jit
 * cannot compile runs on graphql-js as before, so that its error is graphql-js's own.
 */
export class CompiledExecutor implements GatewayInterface {
  /** Operations compiled so far. */
  compilations = 0;
  /**
   * Per parsed document (Apollo keeps each query text's document in its own bounded cache, so
   * these go when it drops them), per operation: how often it ran, and its compiled form once it
   * has run `compileAfter` times (null when graphql-jit could not compile it).
   */
  private readonly operations = new WeakMap<DocumentNode, Map<string, { runs: number; compiled?: CompiledQuery | null }>>();

  /**
   * `compileAfter`: the runs an operation makes on graphql-js before it is compiled
   * (GRAPHQL_COMPILE_AFTER, default 1). Compiling costs several executions, so a document sent
   * once (or a stream of distinct ones) is never compiled; a portal's or a chatbot's operations
   * repeat, and are compiled on their second run.
   */
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly compileAfter: number,
  ) {}

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): () => void {
    callback({ apiSchema: this.schema, coreSupergraphSdl: "" });
    return () => undefined;
  }

  async load(): Promise<{ executor: GatewayExecutor }> {
    return { executor: (request) => this.execute(request.document, request.operationName, request.request.variables, request.context) };
  }

  async stop(): Promise<void> {}

  async execute(document: DocumentNode, operationName: string | null, variables: Record<string, unknown> | undefined, context: unknown): Promise<ExecutionResult> {
    const query = this.compiled(document, operationName);
    const run = () => execute({ schema: this.schema, document, operationName, variableValues: variables, contextValue: context });
    if (query === null) return run();
    const result = await query.query(undefined, context, variables ?? {});
    // No data at all: the variables were refused before anything ran. graphql-js words that
    // refusal as Apollo expects (a 400 BAD_USER_INPUT naming the variable), and runs nothing either.
    if (!("data" in result)) return run();
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  }

  /** The operation's compiled form, or null to run it on graphql-js. */
  private compiled(document: DocumentNode, operationName: string | null): CompiledQuery | null {
    let ofDocument = this.operations.get(document);
    if (!ofDocument) this.operations.set(document, (ofDocument = new Map()));
    const key = operationName ?? "";
    let operation = ofDocument.get(key);
    if (!operation) ofDocument.set(key, (operation = { runs: 0 }));
    if (operation.compiled !== undefined) return operation.compiled;
    operation.runs += 1;
    if (operation.runs <= this.compileAfter) return null;
    this.compilations += 1;
    try {
      const result = compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
      operation.compiled = isCompiledQuery(result) ? result : null;
    } catch {
      // Whatever graphql-jit refuses, graphql-js runs (and words its error, if there is one).
      operation.compiled = null;
    }
    return operation.compiled;
  }
}

/**
 * graphql-jit's errors are not graphql-js's: no `extensions` object unless the resolver's error
 * had one (Apollo's error formatting reads `extensions.code` and failed on them) and no source
 * nodes. The same error as graphql-js would have made it, with graphql-jit's locations.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const made = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions });
  (made as { locations: GraphQLError["locations"] }).locations = error.locations;
  return made;
}
