/**
 * `npm run setup:search-attributes`: registers the project's search attributes on the Temporal cluster named by the
 * SDK's usual environment variables, so that operators can find sessions by status and Rest PKI Core session ID.
 * The dev server started by `npm start` registers them itself. Temporal Cloud namespaces take search attributes
 * through Cloud's own tools instead; the error then says so.
 */
import { status } from '@grpc/grpc-js';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { temporal } from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes';

const INDEXED_VALUE_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.TEXT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DATETIME]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/** Adds whichever of the project's search attributes the namespace lacks; returns the names it added. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await existingCustomAttributes(connection, namespace);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((attribute) => !existing.has(attribute.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPES[a.type]!])),
  });
  return missing.map((a) => a.name);
}

/** The namespace's custom search attributes; the time-skipping test server cannot list them, so it has none. */
async function existingCustomAttributes(connection: Connection, namespace: string): Promise<Set<string>> {
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(listed.customAttributes ?? {}));
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === status.UNIMPLEMENTED) return new Set();
    throw error;
  }
}

async function main(): Promise<void> {
  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const connection = await Connection.connect(connectionOptions);
  try {
    const added = await registerSearchAttributes(connection, namespace);
    if (added.length === 0)
      console.log(`All ${ALL_SEARCH_ATTRIBUTES.length} search attributes already exist in ${namespace}.`);
    else console.log(`Registered in namespace ${namespace}: ${added.join(', ')}`);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
