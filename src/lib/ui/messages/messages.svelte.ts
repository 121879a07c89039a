/**
 * The messages page's copy of the node's messaging view, refreshed whenever
 * the node's view changes, and its actions, run through the app (busy,
 * errors, refresh). Drafts cross to the worker as plain objects.
 */
import { app } from '$lib/client/app.svelte.js';
import type { Hex } from '$lib/core/bytes.js';
import type { DeliveryProof, MessageDraft, MessageQuote, MessagesView } from '../../../worker/messaging-types.js';

export class MessagesState {
	view = $state<MessagesView | null>(null);

	async refresh(): Promise<void> {
		const node = app.node;
		if (node) this.view = await node.messages();
	}

	/** The fee the draft would pay now, or why it cannot be sent. */
	async quote(draft: MessageDraft): Promise<MessageQuote | { readonly error: string }> {
		const node = app.node;
		if (!node) return { error: 'the node is not running' };
		try {
			return await node.quoteMessage(plain(draft));
		} catch (e) {
			return { error: (e as Error).message };
		}
	}

	send(draft: MessageDraft): Promise<boolean> {
		return app.act((api) => api.sendMessage(plain(draft)));
	}

	redrive(id: Hex, recipient: Hex): Promise<boolean> {
		return app.act((api) => api.redriveMessage(id, recipient));
	}

	createTopic(name: string, description: string, encrypted: boolean): Promise<boolean> {
		return app.act((api) => api.createTopic(name, description, encrypted));
	}

	shareTopicKey(topic: string, member: Hex): Promise<boolean> {
		return app.act((api) => api.shareTopicKey(topic, member));
	}

	rekeyTopic(topic: string): Promise<boolean> {
		return app.act((api) => api.rekeyTopic(topic));
	}

	subscribe(pattern: string): Promise<boolean> {
		return app.act((api) => api.subscribeTopic(pattern));
	}

	unsubscribe(pattern: string): Promise<boolean> {
		return app.act((api) => api.unsubscribeTopic(pattern));
	}

	async proof(id: Hex): Promise<DeliveryProof | null> {
		return (await app.node?.deliveryProof(id)) ?? null;
	}
}

/** A draft without Svelte's state proxies, which structured clone cannot copy. */
function plain(d: MessageDraft): MessageDraft {
	return { to: d.to, topic: d.topic, text: d.text, ...(d.priority ? { priority: d.priority } : {}), ...(d.guarantee ? { guarantee: d.guarantee } : {}) };
}
