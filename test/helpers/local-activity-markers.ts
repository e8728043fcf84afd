/**
 * Local activities leave no activity events in a history, only a marker per result: the SDK's `core_local_activity`
 * marker, whose `data` detail is JSON naming the activity, the attempt that produced the result and when the first
 * attempt was scheduled. Its own `complete_time` is the worker's perceived time, so the event's time says when.
 */
import { type temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** What a local activity's marker says. Times are epoch milliseconds. */
export interface LocalActivityMarker {
  activityType: string;
  attempt: number;
  /** When the first attempt was scheduled. */
  scheduledAtMs: number;
  /** When the server recorded the result: the end of the workflow task that ran the recorded attempt. */
  recordedAtMs: number;
  failed: boolean;
}

/** A timestamp as the marker's JSON or the event's protobuf has it (seconds may be a Long). */
interface Timestamp {
  seconds?: number | string | { toString(): string } | null;
  nanos?: number | null;
}

interface MarkerData {
  activity_type?: string;
  attempt?: number;
  original_schedule_time?: Timestamp | null;
}

function epochMs(time: Timestamp | null | undefined): number {
  if (!time) return Number.NaN;
  return Number(String(time.seconds ?? 0)) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** The local activity recorded by `event`, or null when it is no local activity marker. */
export function localActivityMarker(event: HistoryEvent): LocalActivityMarker | null {
  const marker = event.markerRecordedEventAttributes;
  const payload = marker?.details?.data?.payloads?.[0]?.data;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER || !payload) return null;

  const data = JSON.parse(Buffer.from(payload).toString('utf8')) as MarkerData;
  return {
    activityType: data.activity_type ?? '?',
    attempt: data.attempt ?? 1,
    scheduledAtMs: epochMs(data.original_schedule_time),
    recordedAtMs: epochMs(event.eventTime),
    failed: Boolean(marker.failure),
  };
}
