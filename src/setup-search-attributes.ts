/**
 * `npm run setup:search-attributes`: registers the project's search attributes on the Temporal cluster named by the
 * SDK's usual environment variables, so that operators can find sessions by status and Rest PKI Core session ID.
 * The dev server started by `npm start` registers them itself. Temporal Cloud namespaces take search attributes
 * through Cloud's own tools instead; the error then says so.
 */
import { Connection } from '@temporalio/client';
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

async function main(): Promise<void> {
  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const connection = await Connection.connect(connectionOptions);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = ALL_SEARCH_ATTRIBUTES.filter((attribute) => !(attribute.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) {
      console.log(`All ${ALL_SEARCH_ATTRIBUTES.length} search attributes already exist in namespace ${namespace}.`);
      return;
    }
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPES[a.type]!])),
    });
    console.log(`Registered in namespace ${namespace}: ${missing.map((a) => a.name).join(', ')}`);
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
