/**
 * Relay nodes: the always-on peers members run to carry traffic past the
 * browser mesh. A node is registered by its owner's key (one per key), and
 * only its owner changes it, including taking it out of service.
 */
import type { Hex } from '../bytes.js';
import type { Encodable } from '../codec.js';
import { AgoraError, fail } from '../errors.js';
import * as s from '../schema.js';
import { defineKind } from './kind.js';
import { readLabel } from './labels.js';
import { readName } from './members.js';
import type { StateTree } from './tree.js';

export const NODE_STATUSES = ['active', 'inactive'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export interface RelayNode {
	readonly name: string;
	/** Where peers reach it, e.g. `wss://relay.example/signal`. */
	readonly endpoint?: string;
	readonly region?: string;
	/** Messages per second it offers to relay. */
	readonly capacity: number;
	readonly status: NodeStatus;
	/** Heights of the registration and of the last change. */
	readonly since: number;
	readonly updated: number;
}

export interface NodeRegistration {
	readonly name: string;
	readonly endpoint?: string;
	readonly region?: string;
	readonly capacity: number;
}

/** Fields to change; `null` removes an optional field. */
export interface NodeChanges {
	readonly name?: string;
	readonly endpoint?: string | null;
	readonly region?: string | null;
	readonly capacity?: number;
	readonly status?: NodeStatus;
}

export const MAX_ENDPOINT_BYTES = 256;
const ENDPOINT = /^(wss?|https?):\/\/[^\s/]+(\/\S*)?$/;

export const nodeKey = (owner: Hex): string => `n/${owner}`;

export function getNode(state: StateTree, owner: Hex): RelayNode | undefined {
	return state.get(nodeKey(owner)) as RelayNode | undefined;
}

function readEndpoint(value: unknown, path: string): string {
	const endpoint = s.str(value, path, MAX_ENDPOINT_BYTES, 1);
	if (!ENDPOINT.test(endpoint)) fail('E_SCHEMA', path, endpoint, 'must be a ws, wss, http or https URL');
	return endpoint;
}

const readCapacity = (value: unknown, path: string): number => s.int(value, path, 1);

/** Reads an optional field that may also be null (to remove it). */
function nullable<T>(value: unknown, read: (v: unknown) => T): T | null | undefined {
	return value === null ? null : s.optional(value, read);
}

function putNode(state: StateTree, owner: Hex, node: RelayNode): void {
	// Absent optional fields are left out: the codec has no undefined.
	state.put(nodeKey(owner), Object.fromEntries(Object.entries(node).filter(([, v]) => v !== undefined)) as Encodable);
}

export const nodeRegister = defineKind<NodeRegistration>({
	kind: 'node.register',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['name', 'endpoint', 'region', 'capacity'], ['endpoint', 'region']);
		return {
			name: readName(r.name, 'body.name'),
			endpoint: s.optional(r.endpoint, (v) => readEndpoint(v, 'body.endpoint')),
			region: s.optional(r.region, (v) => readLabel(v, 'body.region')),
			capacity: readCapacity(r.capacity, 'body.capacity')
		};
	},
	apply: (ctx, body) => {
		if (getNode(ctx.state, ctx.sender)) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `${ctx.sender.slice(0, 16)}… already registered a node (change it with node.update)`, 'from', ctx.sender);
		}
		putNode(ctx.state, ctx.sender, { ...body, status: 'active', since: ctx.height, updated: ctx.height });
	}
});

export const nodeUpdate = defineKind<NodeChanges>({
	kind: 'node.update',
	sender: 'member',
	body: (value) => {
		const keys = ['name', 'endpoint', 'region', 'capacity', 'status'] as const;
		const r = s.exactRecord(value, 'body', keys, keys);
		if (Object.keys(r).length === 0) fail('E_SCHEMA', 'body', value, 'must change at least one field');
		return {
			name: s.optional(r.name, (v) => readName(v, 'body.name')),
			endpoint: nullable(r.endpoint, (v) => readEndpoint(v, 'body.endpoint')),
			region: nullable(r.region, (v) => readLabel(v, 'body.region')),
			capacity: s.optional(r.capacity, (v) => readCapacity(v, 'body.capacity')),
			status: s.optional(r.status, (v) => s.oneOf(v, 'body.status', NODE_STATUSES))
		};
	},
	apply: (ctx, changes) => {
		const node = getNode(ctx.state, ctx.sender);
		if (!node) throw new AgoraError('E_TX_NOT_ALLOWED', `${ctx.sender.slice(0, 16)}… has no registered node to update`, 'from', ctx.sender);
		const next: Record<string, unknown> = { ...node, updated: ctx.height };
		for (const [field, v] of Object.entries(changes)) if (v !== undefined) next[field] = v === null ? undefined : v;
		putNode(ctx.state, ctx.sender, next as unknown as RelayNode);
	}
});
