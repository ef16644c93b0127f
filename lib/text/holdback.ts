// The order in which stage 1 (text) hands on what it read: packets, events and excerpt rows go out in input order,
// except that a packet shown only by its summary waits (HOLD_PACKETS later packets at most) in case its hex comes
// later in a pasted dump; what comes after it waits behind it.

import type { Emit, Event, ExcerptItem, Packet, Sink } from '../events.js';

/**
 * A packet shown only by its summary is held back while this many later packets arrive, in case its hex
 * comes later in a pasted dump (a "data minus headers" block, or the same summary quoted again with hex).
 */
export const HOLD_PACKETS = 64;
/** Entries already sent are dropped from the front of the queue once there are this many. */
const COMPACT_AFTER = 1024;

export interface Held {
  packet?: Packet;
  event?: Event;
  /** Excerpt rows (or a break) for the excerpt stage, kept in their place among packets and events. */
  excerpt?: ExcerptItem;
  /** False while a summary-only packet waits for its hex. */
  ready: boolean;
  /** The packet count when it was queued, for the hold limit. */
  at: number;
  /** Summary text (after the timestamp) of a waiting summary-only packet; its packet has the timestamp. */
  text?: string;
}

export class HoldQueue {
  private readonly queue: Held[] = [];
  private head = 0;
  /** Packets handed in so far. */
  private packets = 0;
  /** Summary-only packets waiting. */
  private waiting = 0;

  constructor(
    private readonly next: Sink<Packet>,
    private readonly emit: Emit,
    private readonly fragments?: Sink<ExcerptItem>,
  ) {}

  /** Whether any summary-only packet waits for its hex. */
  get hasWaiting(): boolean {
    return this.waiting > 0;
  }

  /** A packet; `ready` false for a summary-only one, which waits, with its summary `text`. */
  packet(p: Packet, ready: boolean, text?: string): void {
    this.packets++;
    if (ready && this.head === this.queue.length) {
      this.next(p);
      return;
    }
    const q: Held = { packet: p, ready, at: this.packets };
    if (!ready) {
      q.text = text;
      this.waiting++;
    }
    this.queue.push(q);
    this.flush(false);
  }

  event(ev: Event): void {
    if (this.head === this.queue.length) this.emit(ev);
    else this.queue.push({ event: ev, ready: true, at: this.packets });
  }

  excerpt(item: ExcerptItem): void {
    if (this.head === this.queue.length) this.fragments!(item);
    else this.queue.push({ excerpt: item, ready: true, at: this.packets });
  }

  /**
   * The latest waiting summary-only packet that `match` accepts (its packet and summary text), still waiting:
   * the caller completes it, then calls settle().
   */
  findWaiting(match: (q: Held) => boolean): Held | undefined {
    for (let i = this.queue.length - 1; i >= this.head; i--) {
      const q = this.queue[i]!;
      if (!q.ready && match(q)) return q;
    }
    return undefined;
  }

  /** A waiting packet has its bytes now: it goes out in its place. */
  settle(q: Held): void {
    this.release(q);
    this.flush(false);
  }

  /** Sends what is ready in order, and summary-only packets that waited long enough (all of them with `all`). */
  flush(all: boolean): void {
    const queue = this.queue;
    while (this.head < queue.length) {
      const q = queue[this.head]!;
      if (!q.ready && !all && this.packets - q.at < HOLD_PACKETS) break;
      this.head++;
      if (!q.ready) this.release(q);
      if (q.packet) this.next(q.packet);
      else if (q.event) this.emit(q.event);
      else if (q.excerpt) this.fragments!(q.excerpt);
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
    } else if (this.head > COMPACT_AFTER) {
      queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private release(q: Held): void {
    q.ready = true;
    q.text = undefined;
    this.waiting--;
  }
}
