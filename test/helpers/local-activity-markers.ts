/**
 * Local activities leave no activity events in a history, only a marker per result: the SDK's `core_local_activity`
 * marker, whose `data` detail is JSON naming the activity, the attempt that produced the result, when the first
 * attempt was scheduled and when the recorded one completed.
 */
import { type temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** What a local activity's marker says. Times are epoch milliseconds. */
export interface LocalActivityMarker {
  activityType: string;
  attempt: number;
  scheduledAtMs: number;
  completedAtMs: number;
  failed: boolean;
}

interface MarkerData {
  activity_type?: string;
  attempt?: number;
  complete_time?: string;
  original_schedule_time?: string;
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
    scheduledAtMs: Date.parse(data.original_schedule_time ?? ''),
    completedAtMs: Date.parse(data.complete_time ?? ''),
    failed: Boolean(marker.failure),
  };
}
