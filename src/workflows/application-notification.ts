/**
 * Delivers one event to the application's notification URL, retrying with backoff for up to three days. It runs as
 * its own workflow so that a session ends on time even while the application is unreachable.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SignatureSessionActivities } from '../activities';
import { type ApplicationEvent } from './messages';

const { notifyApplication } = proxyActivities<SignatureSessionActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: ['NotificationsNotConfiguredError'],
  },
});

export async function applicationNotification(url: string, event: ApplicationEvent): Promise<void> {
  await notifyApplication({ url, event });
}
