/**
 * The Agora node: one member's full node. It owns the identity, the chain,
 * the mempool, the outbox of the member's own transactions, storage and
 * sync, and it seals blocks when its key may; as a validator of an engine
 * that counts votes it also votes and reports double votes (validator.ts).
 * It runs in a Web Worker in the app and as is in Node (tests, the headless
 * peer, the simulator): every platform service (store, signature verifier,
 * clock and timers, randomness) comes in through options.
 */
import { fromHex, toHex, type Hex } from '../lib/core/bytes.js';
import { AgoraError, isAgoraError } from '../lib/core/errors.js';
import { keyPairFromSeed, type KeyPair } from '../lib/core/keys.js';
import { createGenesis } from '../lib/core/genesis.js';
import { Chain, txSignatureChecks, verifyBlocks, type AddResult, type VerifiedBlock } from '../lib/core/chain.js';
import { Mempool } from '../lib/core/mempool.js';
import { checkTx } from '../lib/core/state/machine.js';
import { nextDeadline } from '../lib/core/state/registry.js';
import type { DaoConfig } from '../lib/core/state/dao/config.js';
import { getAccount } from '../lib/core/state/accounts.js';
import { getMember, listMembers, memberName } from '../lib/core/state/members.js';
import { skip } from '../lib/core/state/skip.js';
import { NONCE_BYTES, openBackup, SALT_BYTES, sealBackup } from '../lib/core/backup.js';
import { encodeExport } from '../lib/core/export/writer.js';
import { readExport } from '../lib/core/export/reader.js';
import { blockHashHex, decodeBlock, encodeBlock, type Block } from '../lib/core/block/block.js';
import { decodeTx, encodeTx, signTx, txIdHex, type Tx } from '../lib/core/tx/tx.js';
import type { Encodable } from '../lib/core/codec.js';
import type { Verifier } from '../lib/core/verify.js';
import type { AgoraStore, StoredCommunity } from '../lib/store/types.js';
import { Sync, type ImportResult, type PeerInfo } from '../lib/net/sync.js';
import type { PeerLink } from '../lib/net/link.js';
import { runtimeTimers, unref, type TimerHandle, type Timers } from '../lib/net/scheduler.js';
import { inviteFragment, type Invite } from '../lib/net/invite.js';
import type { BlockView, CommunityView, LogEntry, MemberView, NodeView, PostView, TxStatus } from './types.js';
import { preflight } from './preflight.js';
import { isDeadConsensusTx, ValidatorDuties } from './validator.js';
import { Messaging } from './messaging.js';
import { CommunityDrafts } from './drafts.js';

export interface NodeOptions {
	readonly store: AgoraStore;
	readonly verifier: Verifier;
	readonly now: () => number;
	readonly randomBytes: (n: number) => Uint8Array;
	/** Identifies the software in `hello`, e.g. `agora-web/0.1`. */
	readonly agent: string;
	/** Default lifetime of the member's own transactions. */
	readonly txLifetimeMs?: number;
	/** The runtime's timers by default; the simulator's virtual ones there. */
	readonly timers?: Timers;
	/**
	 * When this node seals, if its key may: `pending` (the default) as soon as
	 * transactions are waiting, as a small community's only authority does,
	 * and once the state's earliest deadline has passed (a vote closing, see
	 * BlockHook.nextDeadline), since only a block processes it;
	 * `always` on the engine's schedule, empty blocks too, and no sooner than
	 * half a block time after the parent, as engines with many sealers need;
	 * `never` (a member of a proof-of-work community who does not mine).
	 */
	readonly sealing?: 'pending' | 'always' | 'never';
	/**
	 * At most this many seal attempts (proof-of-work nonces) per `everyMs`, so
	 * a miner shares its thread and, in the simulator, has a hash rate in
	 * virtual time. Unbounded by default.
	 */
	readonly sealBudget?: { readonly attempts: number; readonly everyMs: number };
}

export interface SubmitOptions {
	/** When the transaction stops being valid; by default `txLifetimeMs` after now (a ballot's is its vote's close). */
	readonly expires?: number;
	/** Dry-runs it on the head state first and throws its error instead of saving it (see preflight.ts). */
	readonly preflight?: boolean;
	/** What it pays (0 by default); a message pays what the fee policy quotes. */
	readonly fee?: number;
}

/** One of the member's own transactions that is not in a canonical block, and where it stands. */
export interface OwnTx {
	readonly tx: Tx;
	readonly status: Exclude<TxStatus, 'confirmed'>;
	readonly error?: string;
}

/** Log entries kept: as many as the view shows. */
const LOG_LIMIT = 50;
const VIEW_POSTS = 100;
/** How far back the posts shown are looked for: a chain of other traffic is not walked to its start on every view. */
const VIEW_POST_BLOCKS = 1000;
const VIEW_BLOCKS = 20;
const DEFAULT_TX_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const ROOM_SECRET_BYTES = 16;
/** Blocks verified and added together when importing an export file. */
const IMPORT_BATCH = 256;
/**
 * What every member of a community founded in the app receives on admission
 * (genesis `memberGrant`), so that they can pay message fees (a short message
 * costs 1 under the default fee policy) and proposal deposits (100) at once.
 */
export const APP_MEMBER_GRANT = 1_000;
/** Own transactions not yet in a block are sent to every peer again this often: a frame may have been lost. */
export const REBROADCAST_MS = 10_000;
/** The longest delay a timer takes (setTimeout's limit); a later deadline is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class AgoraNode {
	private keys: KeyPair | null = null;
	private name = '';
	private community: StoredCommunity | null = null;
	private chainRef: Chain | null = null;
	private sync: Sync | null = null;
	private readonly mempool = new Mempool();
	/** The member's own signed transactions that are not yet in a canonical block. */
	private readonly outbox = new Map<Hex, Tx>();
	/** Outbox entries that have gone out to at least one peer in this session. */
	private readonly sent = new Set<Hex>();
	private readonly failed = new Map<Hex, { tx: Tx; reason: string }>();
	/** Votes and evidence, when this member is a validator of an engine that counts votes. */
	private readonly duties = new ValidatorDuties({
		chain: () => this.chainRef,
		keys: () => this.keys,
		now: () => this.opts.now(),
		outboxNonces: () => [...this.outbox.values()].map((tx) => tx.nonce),
		publish: (tx) => this.publish(tx),
		log: (level, message) => this.log(level, message)
	});
	/** The community's proposal drafts, written together over the peer links (drafts.ts); null before there is a community. */
	drafts: CommunityDrafts | null = null;
	/** Sending, receiving, acknowledging and proving messages (messaging.ts). */
	readonly messaging = new Messaging({
		chain: () => this.chainRef,
		keys: () => this.keys,
		now: () => this.opts.now(),
		randomBytes: (n) => this.opts.randomBytes(n),
		submit: (kind, body, fee) => this.submit(kind, body, { fee, preflight: true }),
		ownTxs: () => this.ownTxs(),
		pendingTxs: () => this.mempool.all(),
		pendingTx: (id) => this.mempool.get(id),
		announce: (txs) => void this.sync?.announceTxs(txs),
		saveTopicKey: (key) => this.opts.store.putTopicKey(key),
		log: (level, message) => this.log(level, message)
	});
	private readonly logs: LogEntry[] = [];
	private readonly listeners = new Set<() => void>();
	private notifyScheduled = false;
	private readonly timers: Timers;
	private proposeTimer: TimerHandle | null = null;
	private proposeAt = 0;
	private rebroadcastTimer: TimerHandle | null = null;
	/** Serialises every change to the chain: imports from peers and our own blocks. */
	private chainLock: Promise<unknown> = Promise.resolve();
	/** Serialises the member's own submissions, so two never take the same nonce. */
	private submitLock: Promise<unknown> = Promise.resolve();
	private closed = false;

	private constructor(private readonly opts: NodeOptions) {
		this.timers = opts.timers ?? runtimeTimers;
	}

	/** Opens a node from its store: identity, community, blocks and outbox as they were. */
	static async open(opts: NodeOptions): Promise<AgoraNode> {
		const node = new AgoraNode(opts);
		await node.load();
		return node;
	}

	get chain(): Chain | null {
		return this.chainRef;
	}

	get publicKey(): Hex | null {
		return this.keys ? toHex(this.keys.publicKey) : null;
	}

	/** The node's clock: what it signs and seals is timed by it. */
	now(): number {
		return this.opts.now();
	}

	subscribe(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	async createIdentity(name: string): Promise<void> {
		const trimmed = name.trim();
		if (!trimmed) throw new AgoraError('E_SCHEMA', 'a name is needed', 'name', name);
		await this.adoptIdentity(keyPairFromSeed(this.opts.randomBytes(32)), trimmed, 'created');
	}

	/** The identity as a passphrase-protected backup file (core/backup.ts); the secret key leaves the node only sealed. */
	exportIdentity(passphrase: string): Uint8Array {
		const keys = this.requireKeys();
		return sealBackup({ keys, name: this.name }, passphrase, { salt: this.opts.randomBytes(SALT_BYTES), nonce: this.opts.randomBytes(NONCE_BYTES) });
	}

	/** Takes the identity from a backup file into a profile that has none. */
	async restoreIdentity(file: Uint8Array, passphrase: string): Promise<void> {
		const { keys, name } = openBackup(file, passphrase);
		await this.adoptIdentity(keys, name, 'restored');
	}

	private async adoptIdentity(keys: KeyPair, name: string, how: string): Promise<void> {
		if (this.keys) throw new AgoraError('E_KEY', 'this profile already has an identity', 'identity', this.publicKey);
		await this.opts.store.putIdentity({ publicKey: toHex(keys.publicKey), secretKey: keys.secretKey, name, created: this.opts.now() });
		this.keys = keys;
		this.name = name;
		this.log('info', `identity ${how}: ${name} (${toHex(keys.publicKey).slice(0, 16)}…)`);
		this.changed();
	}

	/** The canonical chain as an export file (docs/export-format.md), which `agora verify` checks. */
	exportChain(): Uint8Array {
		const chain = this.chainRef;
		if (!chain) throw new AgoraError('E_GENESIS', 'there is no chain to export yet', 'chain', null);
		const blocks: Block[] = [];
		for (let h = 0; h <= chain.height; h++) blocks.push(chain.blockAt(h)!.block);
		return encodeExport(blocks);
	}

	/**
	 * Catches up from an export file of this community (a copy handed over
	 * when no peer is reachable): every block is verified and validated as if
	 * it came from a peer. Returns how many blocks were new.
	 */
	async importChain(file: Uint8Array): Promise<number> {
		const community = this.requireCommunity();
		let added = 0;
		let batch: Block[] = [];
		const flush = async () => {
			if (batch.length) added += (await this.importBlocks(batch)).added.length;
			batch = [];
		};
		try {
			for await (const item of readExport([file])) {
				if (item.type === 'start' && toHex(item.chainId) !== community.chainId) {
					throw new AgoraError('E_EXPORT', `this export is of another community (${toHex(item.chainId).slice(0, 16)}…)`, 'chainId', toHex(item.chainId));
				}
				if (item.type === 'block') {
					batch.push(item.block);
					if (batch.length === IMPORT_BATCH) await flush();
				}
			}
			await flush();
		} catch (e) {
			// Blocks before the fault were valid on their own and stay; say so with the fault.
			if (!isAgoraError(e)) throw e;
			throw new AgoraError(e.code, `${e.message}${added ? ` (${added} new block(s) before it were imported)` : ''}`, e.field, e.value);
		}
		this.log('info', `imported ${added} new block(s) from an export file`);
		return added;
	}

	/** Founds a community with this member as its only authority, and `dao` over the DAO defaults; returns the invite fragment. */
	async createCommunity(name: string, relays: readonly string[], dao?: Partial<DaoConfig>): Promise<string> {
		const keys = this.requireKeys();
		if (this.community) throw new AgoraError('E_GENESIS', 'this profile already belongs to a community', 'community', this.community.chainId);
		const genesis = createGenesis({ name: name.trim(), time: this.opts.now(), salt: this.opts.randomBytes(16), founder: keys, founderName: this.name, memberGrant: APP_MEMBER_GRANT, ...(dao ? { dao } : {}) });
		const [verified] = await verifyBlocks([genesis], this.opts.verifier);
		const chain = Chain.open(verified!);
		const community: StoredCommunity = { chainId: chain.chainIdHex, name: chain.config.name, relays: [...relays], secret: this.opts.randomBytes(ROOM_SECRET_BYTES), joined: this.opts.now() };
		await this.opts.store.putBlocks([{ hash: chain.chainIdHex, height: 0, bytes: encodeBlock(genesis) }]);
		await this.opts.store.putCommunity(community);
		this.chainRef = chain;
		this.startCommunity(community);
		this.log('info', `community "${chain.config.name}" created (${chain.chainIdHex.slice(0, 16)}…)`);
		this.changed();
		return inviteFragment(this.inviteOf(community));
	}

	/** Joins the community of an invite: saves it and signs the join request, which goes out when a peer is reachable. */
	async joinCommunity(invite: Invite): Promise<void> {
		this.requireKeys();
		if (this.community) {
			if (this.community.chainId === invite.chainId) return;
			throw new AgoraError('E_GENESIS', 'this profile already belongs to another community', 'community', this.community.chainId);
		}
		const community: StoredCommunity = { chainId: invite.chainId, name: invite.name || null, relays: [...invite.relays], secret: invite.secret, joined: this.opts.now() };
		await this.opts.store.putCommunity(community);
		this.startCommunity(community);
		this.log('info', `joining community ${invite.chainId.slice(0, 16)}…`);
		await this.submit('member.join', { name: this.name });
	}

	async post(text: string): Promise<Hex> {
		return this.submit('post', { text });
	}

	/**
	 * Signs a transaction of the member's, saves it durably to the outbox and
	 * only then hands it to the network. Throws a clear error, and saves
	 * nothing, when it could never apply (with `preflight`, also when the
	 * head state refuses it).
	 */
	submit(kind: string, body: Encodable, opts: SubmitOptions = {}): Promise<Hex> {
		// One at a time: each takes the next nonce only after the one before it is saved.
		const run = this.submitLock.then(() => this.signAndSave(kind, body, opts, this.nextNonce()));
		this.submitLock = run.catch(() => undefined);
		return run;
	}

	private async signAndSave(kind: string, body: Encodable, opts: SubmitOptions, nonce: number): Promise<Hex> {
		const keys = this.requireKeys();
		const community = this.requireCommunity();
		const now = this.opts.now();
		const tx = signTx(
			{
				chain: fromHex(community.chainId),
				from: keys.publicKey,
				nonce,
				fee: opts.fee ?? 0,
				created: now,
				expires: opts.expires ?? now + (this.opts.txLifetimeMs ?? DEFAULT_TX_LIFETIME_MS),
				kind,
				body
			},
			keys
		);
		const chain = this.chainRef;
		if (chain) checkTx(tx, chain.chainId, chain.params);
		// The validator's own votes wait too and hold nonces: without them every earlier transaction fails on its nonce and the dry run proves nothing.
		if (chain && opts.preflight) preflight(chain, this.pendingOwn(), tx, now);
		const id = txIdHex(tx);
		await this.opts.store.putOutbox({ id, bytes: encodeTx(tx), saved: now });
		this.outbox.set(id, tx);
		this.admit(tx);
		if (this.sync && this.sync.announceTxs([tx]) > 0) this.sent.add(id);
		this.schedulePropose();
		this.changed();
		return id;
	}

	/** A connected peer, from the main thread's WebRTC or any other transport. */
	addPeer(link: PeerLink): void {
		if (!this.sync) {
			link.close('this node has no community yet');
			return;
		}
		this.sync.addPeer(link);
	}

	/** The member's own transactions that are not in a canonical block: failed ones (with why), then the outbox. */
	ownTxs(): OwnTx[] {
		const out: OwnTx[] = [];
		for (const { tx, reason } of this.failed.values()) out.push({ tx, status: 'failed', error: reason });
		for (const [id, tx] of this.outbox) {
			// Kept until its block is final (a reorganisation may undo it), but shown from the chain meanwhile.
			if (!this.chainRef?.findTx(id)) out.push({ tx, status: this.sent.has(id) ? 'pending' : 'saved' });
		}
		return out;
	}

	view(): NodeView {
		const chain = this.chainRef;
		const me = this.publicKey;
		return {
			identity: this.keys ? { publicKey: me!, name: this.name } : null,
			community: this.community ? this.communityView(this.community) : null,
			head: chain ? { height: chain.height, hash: chain.head.hash, time: chain.head.header.time, finalized: chain.finalized.height } : null,
			posts: this.postViews(),
			blocks: chain ? this.blockViews(chain) : [],
			members: chain ? this.memberViews(chain) : [],
			peers: this.sync?.peerList() ?? [],
			log: [...this.logs]
		};
	}

	close(): void {
		this.closed = true;
		if (this.proposeTimer) this.timers.clearTimeout(this.proposeTimer);
		if (this.rebroadcastTimer) this.timers.clearTimeout(this.rebroadcastTimer);
		this.sync?.close();
		this.opts.store.close();
		this.listeners.clear();
	}

	// ---- loading and community ----

	private async load(): Promise<void> {
		const { store } = this.opts;
		const identity = await store.getIdentity();
		if (identity) {
			this.keys = keyPairFromSeed(identity.secretKey);
			this.name = identity.name;
		}
		const community = await store.getCommunity();
		if (!community) return;
		const stored = await store.loadBlocks();
		if (stored.length > 0 && stored[0]!.height === 0) {
			const blocks = stored.map((s) => decodeBlock(s.bytes));
			// These blocks were verified before they were written; trust this node's own store.
			const chain = Chain.open(trusted(blocks[0]!));
			for (const block of blocks.slice(1)) {
				try {
					chain.add(trusted(block), this.opts.now());
				} catch (e) {
					this.log('warn', `stored block ${block.header.height} no longer applies: ${(e as Error).message}`);
				}
			}
			this.chainRef = chain;
			// Any block up to the stored head may have had our vote before the reload.
			this.duties.votedUpTo(chain.height);
		}
		for (const entry of await store.loadOutbox()) {
			try {
				this.outbox.set(entry.id, decodeTx(entry.bytes));
			} catch (e) {
				this.log('error', `outbox entry ${entry.id.slice(0, 16)}… is damaged: ${(e as Error).message}`);
			}
		}
		this.messaging.loadTopicKeys(await store.loadTopicKeys());
		this.startCommunity(community, await store.getDrafts());
		for (const tx of this.outbox.values()) this.admit(tx);
		await this.settleOutbox();
		this.messaging.headChanged();
		this.schedulePropose();
	}

	private startCommunity(community: StoredCommunity, drafts?: Uint8Array): void {
		this.community = community;
		this.drafts = new CommunityDrafts(
			{
				store: this.opts.store,
				send: (frame, to) => this.sync?.sendDrafts(frame, to),
				author: () => this.publicKey,
				now: () => this.opts.now(),
				randomBytes: (n) => this.opts.randomBytes(n),
				changed: () => this.changed(),
				log: (level, message) => this.log(level, message)
			},
			drafts
		);
		const chainId = fromHex(community.chainId);
		this.sync = new Sync(
			{
				chainId,
				agent: this.opts.agent,
				now: this.opts.now,
				chain: () => this.chainRef,
				importBlocks: (blocks) => this.importBlocks(blocks),
				importTxs: (txs) => this.importTxs(txs),
				peerReady: (peer) => this.peerReady(peer),
				draftsFrame: (peer, frame) => this.drafts?.receive(peer, frame),
				log: (level, message) => this.log(level, message),
				changed: () => this.changed()
			},
			this.timers
		);
		this.scheduleRebroadcast();
	}

	private scheduleRebroadcast(): void {
		this.rebroadcastTimer = this.timers.setTimeout(() => {
			if (this.closed) return;
			this.sync?.announceTxs(this.pendingOwn());
			// An own transaction may expire while no block comes: settle it here, or its nonce would hold up the rest.
			const now = this.opts.now();
			if ([...this.outbox.values()].some((tx) => tx.expires <= now)) void this.withChainLock(() => this.settleOutbox());
			this.scheduleRebroadcast();
		}, REBROADCAST_MS);
		unref(this.rebroadcastTimer);
	}

	/** This node's own transactions that still wait for a block: the member's, then its votes and evidence. */
	private pendingOwn(): Tx[] {
		const chain = this.chainRef;
		const waiting = [...this.outbox].filter(([id]) => !chain?.findTx(id)).map(([, tx]) => tx);
		return [...waiting, ...this.duties.pending()];
	}

	private peerReady(peer: PeerInfo): void {
		this.sync?.sendTxs(peer.id, this.pendingOwn());
		this.drafts?.peerReady(peer.id);
		for (const id of this.outbox.keys()) this.sent.add(id);
		this.changed();
	}

	// ---- chain changes ----

	private withChainLock<T>(fn: () => Promise<T>): Promise<T> {
		const run = this.chainLock.then(fn, fn);
		this.chainLock = run.catch(() => undefined);
		return run;
	}

	/** Verifies and adds blocks from a peer (or our own), persists them, and settles everything that follows. */
	importBlocks(blocks: readonly Block[]): Promise<ImportResult> {
		return this.withChainLock(async () => {
			// A block already here (gossip brings one from several peers) needs no second check: the chain answers `known`.
			const known = blocks.map((b) => !!this.chainRef?.node(blockHashHex(b.header)));
			const checked = await verifyBlocks(
				blocks.filter((_, i) => !known[i]),
				this.opts.verifier
			);
			let next = 0;
			const verified = blocks.map((b, i) => (known[i] ? trusted(b) : checked[next++]!));
			const added: Block[] = [];
			let headChanged = false;
			let failure: unknown = null;
			let orphan = false;
			for (const [i, vb] of verified.entries()) {
				try {
					const result = this.addVerified(vb);
					if (result.status === 'orphan') {
						if (i === 0) orphan = true;
						else throw new AgoraError('E_BLOCK_PARENT', `block ${i} of the batch does not follow the one before`, `blocks[${i}].parent`, result.parent);
						break;
					}
					if (result.status === 'known') continue;
					added.push(vb.block);
					if (result.status === 'head') {
						headChanged = true;
						this.applyHeadChange(result);
					}
				} catch (e) {
					failure = e;
					break;
				}
			}
			if (added.length > 0) await this.persist(added);
			for (const block of added) this.duties.observe(block.txs);
			if (headChanged) {
				await this.settleOutbox();
				this.duties.headChanged();
				this.messaging.headChanged();
				this.schedulePropose();
				this.changed();
			}
			if (failure) throw failure;
			return { orphan, added, headChanged };
		});
	}

	private addVerified(vb: VerifiedBlock): AddResult {
		if (this.chainRef) return this.chainRef.add(vb, this.opts.now());
		const block = vb.block;
		// A new block announced before the chain it extends has arrived (a newcomer's join sealed at once): its ancestors are fetched.
		if (block.header.height !== 0) return { status: 'orphan', parent: toHex(block.header.parent) };
		if (blockHashHex(block.header) !== this.community!.chainId) {
			throw new AgoraError('E_GENESIS', 'the genesis block received is not this community\'s', 'block', blockHashHex(block.header));
		}
		const chain = Chain.open(vb);
		this.chainRef = chain;
		this.log('info', `received the genesis of "${chain.config.name}"`);
		if (this.community!.name !== chain.config.name) {
			this.community = { ...this.community!, name: chain.config.name };
			void this.opts.store.putCommunity(this.community).catch((e) => this.log('error', (e as Error).message));
		}
		for (const tx of this.outbox.values()) this.admit(tx);
		return { status: 'head', node: chain.genesis, undone: [], applied: [chain.genesis] };
	}

	private applyHeadChange(result: Extract<AddResult, { status: 'head' }>): void {
		const chain = this.chainRef!;
		for (const node of result.applied) for (const tx of node.block.txs) this.mempool.remove(tx);
		// Transactions of blocks that left the canonical chain go back to the pool.
		for (const node of result.undone) for (const tx of node.block.txs) if (!chain.findTx(txIdHex(tx))) this.admit(tx);
		if (result.undone.length > 0) this.log('warn', `reorganised: ${result.undone.length} block(s) replaced by ${result.applied.length}`);
		this.mempool.prune(this.opts.now(), (sender) => getAccount(chain.state, sender).nonce);
		// Votes and evidence the new head made pointless: gone, they cannot block the vote that takes their nonce.
		for (const tx of this.mempool.all()) if (isDeadConsensusTx(chain, tx)) this.mempool.remove(tx);
	}

	/** A transaction the node made itself: into the pool and out to the peers. */
	private publish(tx: Tx): void {
		this.admit(tx);
		this.sync?.announceTxs([tx]);
		this.schedulePropose();
	}

	private async persist(blocks: readonly Block[]): Promise<void> {
		try {
			await this.opts.store.putBlocks(blocks.map((b) => ({ hash: blockHashHex(b.header), height: b.header.height, bytes: encodeBlock(b) })));
		} catch (e) {
			// The blocks stay valid in memory; peers can send them again after a reload.
			this.log('error', isAgoraError(e) ? e.message : String(e));
		}
	}

	/** Admits verified-or-own transactions to the mempool when the chain is known; ignores what cannot apply. */
	private admit(tx: Tx): boolean {
		const chain = this.chainRef;
		if (!chain) return false;
		try {
			checkTx(tx, chain.chainId, chain.params);
			this.mempool.add(tx, this.opts.now(), getAccount(chain.state, toHex(tx.from)).nonce);
			return true;
		} catch {
			return false;
		}
	}

	importTxs(txs: readonly Tx[]): Promise<Tx[]> {
		return (async () => {
			// Gossip brings most transactions more than once; the id covers every byte, so one already here was checked.
			const known = (tx: Tx): boolean => this.mempool.has(txIdHex(tx)) || !!this.chainRef?.findTx(txIdHex(tx));
			const unknown = txs.flatMap((tx, i) => (known(tx) ? [] : [{ tx, i }]));
			const checks = unknown.map(({ tx }) => txSignatureChecks(tx));
			const ok = await this.opts.verifier(checks.flat());
			let at = 0;
			checks.forEach((c, k) => {
				const { tx, i } = unknown[k]!;
				if (ok.slice(at, (at += c.length)).includes(false)) throw new AgoraError('E_TX_SIGNATURE', `transaction ${i} has a forged signature`, `txs[${i}].sig`, tx.sig);
			});
			const candidates = unknown.map(({ tx }) => tx);
			// Before the pool judges them: a double vote reuses a nonce, so the pool refuses its second half.
			this.duties.observe(candidates);
			const fresh = candidates.filter((tx) => !known(tx) && this.admit(tx));
			if (fresh.length > 0) this.schedulePropose();
			return fresh;
		})();
	}

	/** Drops outbox entries that are in the chain, or that can never be: expired, or their nonce used by another transaction. */
	private async settleOutbox(): Promise<void> {
		const chain = this.chainRef;
		if (!chain) return;
		const done: Hex[] = [];
		const gaps: number[] = [];
		const now = this.opts.now();
		for (const [id, tx] of this.outbox) {
			const at = chain.findTx(id);
			if (at) {
				// Until its block is final a reorganisation may undo it: it stays, to go out again.
				if (at.block.height <= chain.finalized.height) done.push(id);
				continue;
			}
			const next = getAccount(chain.state, toHex(tx.from)).nonce;
			const reason = tx.nonce < next ? 'another transaction used its nonce' : tx.expires <= now ? 'expired before it reached a block' : null;
			if (reason) {
				done.push(id);
				this.failed.set(id, { tx, reason });
				this.log('warn', `transaction ${id.slice(0, 16)}… failed: ${reason}`);
				if (tx.nonce >= next && tx.kind !== skip.kind) gaps.push(tx.nonce);
			}
		}
		if (done.length === 0) return;
		for (const id of done) {
			this.outbox.delete(id);
			this.sent.delete(id);
		}
		try {
			await this.opts.store.deleteOutbox(done);
		} catch (e) {
			this.log('error', (e as Error).message);
		}
		await this.fillGaps(gaps);
	}

	/** Uses the nonces that expired transactions left unused, so the member's later ones can still apply. */
	private async fillGaps(nonces: readonly number[]): Promise<void> {
		const later = [...this.outbox.values()].map((tx) => tx.nonce);
		for (const nonce of nonces) {
			if (!later.some((n) => n > nonce)) continue;
			try {
				await this.signAndSave(skip.kind, {}, {}, nonce);
				this.log('info', `skipped nonce ${nonce} so later transactions can apply`);
			} catch (e) {
				this.log('error', `could not skip nonce ${nonce}: ${(e as Error).message}`);
			}
		}
	}

	private nextNonce(): number {
		const me = this.publicKey!;
		let next = this.chainRef ? getAccount(this.chainRef.state, me).nonce : 0;
		for (const tx of this.outbox.values()) if (toHex(tx.from) === me) next = Math.max(next, tx.nonce + 1);
		for (const nonce of this.duties.nonces()) next = Math.max(next, nonce + 1);
		return next;
	}

	// ---- sealing ----

	/** Tries to seal after `delay` ms, or sooner when a try is already planned for earlier. */
	private schedulePropose(delay = 0): void {
		if (this.closed || !this.keys || !this.chainRef || this.opts.sealing === 'never') return;
		const at = this.opts.now() + delay;
		if (this.proposeTimer) {
			if (this.proposeAt <= at) return;
			this.timers.clearTimeout(this.proposeTimer);
		}
		this.proposeAt = at;
		this.proposeTimer = this.timers.setTimeout(() => {
			this.proposeTimer = null;
			void this.proposeNow();
		}, delay);
	}

	private async proposeNow(): Promise<void> {
		const chain = this.chainRef;
		const keys = this.keys;
		if (!chain || !keys || this.closed) return;
		const always = this.opts.sealing === 'always';
		const candidates = this.mempool.select((sender) => getAccount(chain.state, sender).nonce, chain.params.maxBlockTxs * 2);
		const now = this.opts.now();
		const deadline = always ? null : this.deadlineToSeal(chain, keys);
		const deadlinePassed = deadline !== null && deadline <= now;
		if (candidates.length === 0 && !always && !deadlinePassed) return this.waitForDeadline(deadline, now);
		if (always) {
			// A steady chain, not one that spins as fast as the network: a block half a block time after its parent at
			// the earliest, which is still before any engine lets the next sealer in line take over (a block time or more).
			const due = chain.head.header.time + Math.floor(chain.params.blockTimeMs / 2);
			if (now < due) return this.schedulePropose(due - now);
		}
		const budget = this.opts.sealBudget;
		const proposal = chain.propose(keys, candidates, now, budget?.attempts ?? Infinity);
		if (!proposal) return;
		if ('wait' in proposal) {
			// Later when the engine says when; otherwise the seal ran out of attempts: try again after the budget's period.
			this.schedulePropose(proposal.wait > now ? Math.max(proposal.wait - now, 10) : budget?.everyMs ?? 10);
			return;
		}
		for (const { tx, error } of proposal.rejected) {
			if (error.code !== 'E_TX_NONCE') this.mempool.remove(tx);
		}
		if (proposal.block.txs.length === 0 && !always && !deadlinePassed) return this.waitForDeadline(deadline, now);
		try {
			const result = await this.importBlocks([proposal.block]);
			if (result.headChanged) this.sync?.announceBlock(proposal.block);
			this.log('info', `sealed block ${proposal.block.header.height} with ${proposal.block.txs.length} transaction(s)`);
		} catch (e) {
			this.log('error', `could not seal a block: ${(e as Error).message}`);
		}
		if (this.mempool.size > 0) this.schedulePropose();
	}

	/**
	 * The earliest deadline in state (BlockHook.nextDeadline) when this key
	 * may seal, else null. One the head block's time already reached was that
	 * block's to process: it is ignored, so a hook that reported a deadline it
	 * does not consume cannot make the node seal empty blocks in a loop.
	 */
	private deadlineToSeal(chain: Chain, keys: KeyPair): number | null {
		const at = nextDeadline(chain.state);
		return at !== null && at > chain.head.header.time && chain.canSeal(toHex(keys.publicKey)) ? at : null;
	}

	/** Nothing to seal now: try again when the deadline passes (every head change plans anew). */
	private waitForDeadline(deadline: number | null, now: number): void {
		if (deadline !== null) this.schedulePropose(Math.min(Math.max(deadline - now, 0), MAX_TIMER_MS));
	}

	// ---- views ----

	private communityView(c: StoredCommunity): CommunityView {
		const chain = this.chainRef;
		const me = this.publicKey;
		return {
			chainId: c.chainId,
			name: chain?.config.name ?? c.name,
			invite: inviteFragment(this.inviteOf(c)),
			relays: c.relays,
			member: !!(chain && me && getMember(chain.state, me)),
			authority: !!(chain && me && chain.canSeal(me)),
			engine: chain?.config.engine.name ?? null
		};
	}

	private inviteOf(c: StoredCommunity): Invite {
		return { chainId: c.chainId, secret: c.secret, relays: c.relays, name: this.chainRef?.config.name ?? c.name ?? '' };
	}

	private memberName(who: Hex): string {
		const chain = this.chainRef;
		if (who === this.publicKey) return this.name;
		return chain ? memberName(chain.state, who) : `${who.slice(0, 8)}…`;
	}

	private postViews(): PostView[] {
		const chain = this.chainRef;
		const out: PostView[] = [];
		const pending = (tx: Tx, status: 'saved' | 'pending' | 'failed', error?: string): PostView => ({
			...postFields(tx, this.memberName(toHex(tx.from))),
			status,
			height: null,
			blockHash: null,
			...(error ? { error } : {})
		});
		for (const own of this.ownTxs()) if (own.tx.kind === 'post') out.push(pending(own.tx, own.status, own.error));
		for (const tx of this.mempool.all()) if (tx.kind === 'post' && !this.outbox.has(txIdHex(tx))) out.push(pending(tx, 'pending'));
		if (chain) {
			for (let h = chain.height; h > Math.max(0, chain.height - VIEW_POST_BLOCKS) && out.length < VIEW_POSTS; h--) {
				const node = chain.blockAt(h)!;
				for (let i = node.block.txs.length - 1; i >= 0; i--) {
					const tx = node.block.txs[i]!;
					if (tx.kind === 'post') out.push({ ...postFields(tx, this.memberName(toHex(tx.from))), status: 'confirmed', height: h, blockHash: node.hash });
				}
			}
		}
		return out.slice(0, VIEW_POSTS);
	}

	private blockViews(chain: Chain): BlockView[] {
		const out: BlockView[] = [];
		for (let h = chain.height; h >= 0 && out.length < VIEW_BLOCKS; h--) {
			const node = chain.blockAt(h)!;
			const proposer = toHex(node.header.proposer);
			out.push({ height: h, hash: node.hash, time: node.header.time, proposer, proposerName: this.memberName(proposer), txCount: node.block.txs.length, final: h <= chain.finalized.height });
		}
		return out;
	}

	private memberViews(chain: Chain): MemberView[] {
		return listMembers(chain.state)
			.sort()
			.map((publicKey) => {
				const { name, since } = getMember(chain.state, publicKey)!;
				return { publicKey, name, since };
			});
	}

	// ---- plumbing ----

	private requireKeys(): KeyPair {
		if (!this.keys) throw new AgoraError('E_KEY', 'create an identity first', 'identity', null);
		return this.keys;
	}

	private requireCommunity(): StoredCommunity {
		if (!this.community) throw new AgoraError('E_GENESIS', 'create or join a community first', 'community', null);
		return this.community;
	}

	private log(level: LogEntry['level'], message: string): void {
		this.logs.push({ time: this.opts.now(), level, message });
		if (this.logs.length > LOG_LIMIT) this.logs.splice(0, this.logs.length - LOG_LIMIT);
		this.changed();
	}

	private changed(): void {
		if (this.notifyScheduled || this.closed) return;
		this.notifyScheduled = true;
		this.timers.setTimeout(() => {
			this.notifyScheduled = false;
			for (const listener of this.listeners) listener();
		}, 30);
	}
}

function postFields(tx: Tx, authorName: string): Pick<PostView, 'id' | 'author' | 'authorName' | 'text' | 'created'> {
	return { id: txIdHex(tx), author: toHex(tx.from), authorName, text: (tx.body as { text: string }).text, created: tx.created };
}

/** Blocks read back from this node's own store were verified before they were written. */
function trusted(block: Block): VerifiedBlock {
	return { block } as VerifiedBlock;
}
