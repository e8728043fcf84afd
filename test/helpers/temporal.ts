/**
 * Real Temporal servers for tests: the time-skipping test server for timers over hours and days, the dev server for
 * everything else (visibility queries included). Both are the project's own cached builds, handed to the SDK as
 * existing executables. Workflow code is bundled once per test file; each test gets its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/search-attributes';
import { registerSearchAttributes } from '../../src/setup-search-attributes';
import { temporalCliPath, testServerPath } from '../../src/local-temporal/servers';

let runtimeInstalled = false;

/** Keeps the SDK's own logs to errors (`TEMPORAL_LOG_LEVEL=WARN` shows warnings, such as each failed activity attempt). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(process.env.TEMPORAL_LOG_LEVEL === 'WARN' ? 'WARN' : 'ERROR') });
  runtimeInstalled = true;
}

/** Starts the Java time-skipping test server. Time-skipping tests in one file must run one at a time. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  // The test server knows no custom search attributes until they are added, as on a real cluster.
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** Starts a Temporal dev server with the project's search attributes registered. */
export async function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
    },
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles the workflow code at `workflowsPath` once for the whole test file. */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** A task queue or workflow ID no other test uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
