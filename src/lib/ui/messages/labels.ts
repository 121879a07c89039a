/** Words for the statuses, priorities and guarantees the messages page shows. */
import type { DeliveryStatus } from '$lib/core/state/queue/types.js';
import type { Guarantee, Priority } from '$lib/core/state/policy.js';
import type { MessageStatus } from '../../../worker/messaging-types.js';

export const MESSAGE_STATUS: Record<MessageStatus, string> = {
	saved: 'saved, waiting for a peer',
	sent: 'sent, waiting for a block',
	inBlock: 'in a block, not yet acknowledged',
	delivered: 'delivered',
	dead: 'dead-lettered',
	expired: 'expired',
	failed: 'failed'
};

export const DELIVERY_STATUS: Record<DeliveryStatus, string> = {
	held: 'held for ordering',
	waiting: 'waiting its turn in order',
	pending: 'queued',
	inflight: 'delivered, waiting for the receipt',
	retry: 'rejected, to be delivered again',
	acked: 'acknowledged',
	delivered: 'delivered (no receipt asked)',
	dead: 'dead-lettered',
	expired: 'expired'
};

export const PRIORITY: Record<Priority, string> = { emergency: 'Emergency', high: 'High', normal: 'Normal', low: 'Low', bulk: 'Bulk' };

export const GUARANTEE: Record<Guarantee, string> = {
	atMostOnce: 'At most once (no redelivery)',
	atLeastOnce: 'At least once (redelivered until acknowledged)',
	exactlyOnce: 'Exactly once (deduplicated)',
	ordered: 'Ordered (in sequence)'
};

export function badgeOf(status: MessageStatus): 'ok' | 'warn' | 'bad' {
	return status === 'delivered' ? 'ok' : status === 'dead' || status === 'expired' || status === 'failed' ? 'bad' : 'warn';
}
