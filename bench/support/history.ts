/**
 * Reading a workflow's history for the figures and their profiles: its size as the server stores it (protobuf) and as
 * JSON, its largest payload, and the timeline of its events and activities, which shows where a wait goes.
 */
import { type Client } from '@temporalio/client';
import { type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { localActivityMarker } from '../../test/helpers/local-activity-markers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The size of a history, in bytes and events. */
export interface HistorySize {
  events: number;
  protoBytes: number;
  jsonBytes: number;
  maxPayloadBytes: number;
  /** The event that carries the largest payload, and where in it. */
  maxPayloadAt: string | null;
  payloads: number;
}

/** One activity's schedule, in milliseconds since the workflow started; a local activity has no start of its own. */
export interface ActivitySpan {
  activityType: string;
  scheduledMs: number;
  startedMs: number | null;
  closedMs: number | null;
  /** When it closed, on the server's wall clock (the same machine's as `Date.now()` in the benchmark). */
  closedEpochMs: number | null;
}

export async function fetchHistory(client: Client, workflowId: string): Promise<History> {
  return client.workflow.getHandle(workflowId).fetchHistory();
}

/** The event's type without the `EVENT_TYPE_` prefix (`ACTIVITY_TASK_SCHEDULED`). */
export function eventName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
  return name.replace(/^EVENT_TYPE_/, '');
}

function eventMs(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return Number.NaN;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** Events with their times relative to the first one, for a profile a reader can follow. */
export function timeline(history: History): { id: number; name: string; atMs: number; activity?: string }[] {
  const events = history.events ?? [];
  const origin = events[0] ? eventMs(events[0]) : 0;
  return events.map((event) => {
    const activity =
      event.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityMarker(event)?.activityType;
    return {
      id: Number(event.eventId),
      name: eventName(event),
      atMs: Math.round((eventMs(event) - origin) * 10) / 10,
      ...(activity === undefined ? {} : { activity }),
    };
  });
}

/** When each activity, local or not, was scheduled, started and closed. */
export function activitySpans(history: History): ActivitySpan[] {
  const events = history.events ?? [];
  const origin = events[0] ? eventMs(events[0]) : 0;
  const spans = new Map<number, ActivitySpan>();
  for (const event of events) {
    const at = eventMs(event) - origin;
    const local = localActivityMarker(event);
    if (local) {
      spans.set(Number(event.eventId), {
        activityType: local.activityType,
        scheduledMs: local.scheduledAtMs - origin,
        startedMs: null,
        closedMs: local.recordedAtMs - origin,
        closedEpochMs: local.recordedAtMs,
      });
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      spans.set(Number(event.eventId), {
        activityType: scheduled.activityType?.name ?? '',
        scheduledMs: at,
        startedMs: null,
        closedMs: null,
        closedEpochMs: null,
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const span = spans.get(Number(started.scheduledEventId));
      if (span) span.startedMs = at;
    }
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    if (closed) {
      const span = spans.get(Number(closed.scheduledEventId));
      if (span) {
        span.closedMs = at;
        span.closedEpochMs = at + origin;
      }
    }
  }
  return [...spans.values()];
}

/** The last span of an activity type, or undefined. */
export function lastSpan(history: History, activityType: string): ActivitySpan | undefined {
  return activitySpans(history)
    .filter((span) => span.activityType === activityType)
    .pop();
}

/** Counts the events and measures the history as protobuf and JSON, and its largest payload. */
export function measureHistory(history: History): HistorySize {
  const encoded = temporal.api.history.v1.History.encode(history).finish();
  const protoBytes = encoded.length;
  // The SDK's own proto3 JSON converter is tied to another copy of protobufjs; protobufjs's object form with enums as
  // names and bytes as base64 is the same shape give or take the names of a few well-known types.
  const json = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.decode(encoded), {
    longs: String,
    enums: String,
    bytes: String,
  });
  const jsonBytes = Buffer.byteLength(JSON.stringify(json));

  let maxPayloadBytes = 0;
  let maxPayloadAt: string | null = null;
  let payloads = 0;
  const visit = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (isPayload(value)) {
      payloads++;
      const size = temporal.api.common.v1.Payload.encode(value).finish().length;
      if (size > maxPayloadBytes) {
        maxPayloadBytes = size;
        maxPayloadAt = path;
      }
      return;
    }
    for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
  };
  for (const event of history.events ?? []) visit(event, `#${Number(event.eventId)} ${eventName(event)}`);

  return { events: history.events?.length ?? 0, protoBytes, jsonBytes, maxPayloadBytes, maxPayloadAt, payloads };
}

function isPayload(value: object): value is temporal.api.common.v1.IPayload {
  return 'data' in value && 'metadata' in value && (value.data === null || value.data instanceof Uint8Array);
}
