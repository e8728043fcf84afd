/**
 * Reading workflow histories for evidence that a fault really hit the sessions: a test that breaks something and sees
 * every session succeed proves little unless the break was felt.
 */
import { type Client } from '@temporalio/client';
import { type temporal } from '@temporalio/proto';
import { localActivityMarker } from '../../helpers/local-activity-markers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every activity attempt that failed or timed out before the one recorded, as its last failure says. */
export interface RetriedActivity {
  workflowId: string;
  activity: string;
  attempt: number;
  /** `START_TO_CLOSE`, `HEARTBEAT`... for a timeout; null for a failure. */
  timeoutType: string | null;
  message: string;
}

export async function historyEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/** The activities of a workflow that needed more than one attempt, with the last failure before the recorded one. */
export function retriedActivities(workflowId: string, events: HistoryEvent[]): RetriedActivity[] {
  const scheduled = new Map<string, string>();
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) scheduled.set(String(event.eventId), attributes.activityType?.name ?? '?');
  }
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (!started || (started.attempt ?? 1) <= 1 || !started.lastFailure) return [];
    const timeout = started.lastFailure.timeoutFailureInfo;
    return [
      {
        workflowId,
        activity: scheduled.get(String(started.scheduledEventId)) ?? '?',
        attempt: started.attempt ?? 1,
        timeoutType: timeout ? timeoutTypeName(timeout.timeoutType) : null,
        message: started.lastFailure.message ?? '',
      },
    ];
  });
}

/** A local activity as its marker records it: the attempt that produced the recorded result, and when. */
export interface LocalActivityRecord {
  workflowId: string;
  activity: string;
  attempt: number;
  /** From the first attempt's schedule until the result was recorded, in milliseconds. */
  spanMs: number;
  failed: boolean;
}

/** The local activities of a workflow, read from their markers. */
export function localActivities(workflowId: string, events: HistoryEvent[]): LocalActivityRecord[] {
  return events.flatMap((event) => {
    const marker = localActivityMarker(event);
    if (marker === null) return [];
    return [
      {
        workflowId,
        activity: marker.activityType,
        attempt: marker.attempt,
        spanMs: marker.recordedAtMs - marker.scheduledAtMs,
        failed: marker.failed,
      },
    ];
  });
}

/** The local activities of all the sessions. */
export async function localActivitiesOf(
  client: Client,
  sessions: { workflowId: string }[],
): Promise<LocalActivityRecord[]> {
  const records: LocalActivityRecord[] = [];
  for (const { workflowId } of sessions) {
    records.push(...localActivities(workflowId, await historyEvents(client, workflowId)));
  }
  return records;
}

function timeoutTypeName(type: number | null | undefined): string {
  const names: Record<number, string> = {
    1: 'START_TO_CLOSE',
    2: 'SCHEDULE_TO_START',
    3: 'SCHEDULE_TO_CLOSE',
    4: 'HEARTBEAT',
  };
  return names[type ?? 0] ?? 'UNSPECIFIED';
}

/** Whether a workflow task was lost (timed out, failed) somewhere in the history. */
export function lostWorkflowTask(events: HistoryEvent[]): boolean {
  return events.some((event) => event.workflowTaskTimedOutEventAttributes || event.workflowTaskFailedEventAttributes);
}

/** How many of the sessions had work lost to a fault and done again: a workflow task or an activity attempt, local or not. */
export async function lostWorkOf(client: Client, sessions: { workflowId: string }[]): Promise<number> {
  let count = 0;
  for (const { workflowId } of sessions) {
    const events = await historyEvents(client, workflowId);
    const retried =
      retriedActivities(workflowId, events).length > 0 ||
      localActivities(workflowId, events).some((activity) => activity.attempt > 1);
    if (lostWorkflowTask(events) || retried) count++;
  }
  return count;
}

/** The retried activities of all the sessions. */
export async function retriedActivitiesOf(
  client: Client,
  sessions: { workflowId: string }[],
): Promise<RetriedActivity[]> {
  const retried: RetriedActivity[] = [];
  for (const { workflowId } of sessions) {
    retried.push(...retriedActivities(workflowId, await historyEvents(client, workflowId)));
  }
  return retried;
}

/** An activity a workflow is running or waiting to retry, as `describe()` reports it now. */
export interface PendingActivity {
  workflowId: string;
  activity: string;
  attempt: number;
  /** The timeout that ended the previous attempt (`START_TO_CLOSE`...), or null. */
  lastTimeoutType: string | null;
  lastFailure: string | null;
  /** The failure's type (`DocumentStoreError`...) when the activity threw. */
  lastFailureType: string | null;
}

/** The pending activities of each workflow right now. */
export async function pendingActivitiesOf(
  client: Client,
  workflows: { workflowId: string }[],
): Promise<PendingActivity[]> {
  const pending: PendingActivity[] = [];
  for (const { workflowId } of workflows) {
    const description = await client.workflow.getHandle(workflowId).describe();
    for (const activity of description.raw.pendingActivities ?? []) {
      const timeout = activity.lastFailure?.timeoutFailureInfo;
      pending.push({
        workflowId,
        activity: activity.activityType?.name ?? '?',
        attempt: activity.attempt ?? 1,
        lastTimeoutType: timeout ? timeoutTypeName(timeout.timeoutType) : null,
        lastFailure: activity.lastFailure?.message ?? null,
        lastFailureType: activity.lastFailure?.applicationFailureInfo?.type ?? null,
      });
    }
  }
  return pending;
}
