// The typed messages the reference node exchanges, one union for all variants.
// Field names are short because they are repeated per entry on the wire.
import type { MembershipMessage } from './membership/messages.js';

/** An entry with its value: the only thing that carries data. */
export interface WireEntry {
  /** key */
  k: string;
  /** value */
  v: string;
  /** version counter */
  c: number;
  /** version origin */
  o: string;
}

/** A (key, version) pair: what digests are made of. */
export interface WireVersion {
  k: string;
  c: number;
  o: string;
}

/** Rumor-mongering feedback about one key: was the contact unnecessary? */
export interface WireFeedback {
  k: string;
  c: number;
  o: string;
  /** true: the recipient already knew this version (or newer) at the start of its round */
  u: boolean;
}

/** Direct mail: an update sent once to every peer. */
export interface MailMessage {
  t: 'mail';
  entries: WireEntry[];
}

/**
 * Anti-entropy digest: the sender's version of every key in the range
 * (lo, hi] (null = unbounded). A whole store fits one digest normally; the
 * range lets an oversize digest be split without the receiver mistaking keys
 * of another part for keys the sender lacks.
 */
export interface DigestMessage {
  t: 'digest';
  lo: string | null;
  hi: string | null;
  versions: WireVersion[];
}

/** Anti-entropy: entries the recipient lacks or holds at an older version. */
export interface EntriesMessage {
  t: 'entries';
  entries: WireEntry[];
}

/** Anti-entropy push: keys the digest's sender holds newer than we do. */
export interface WantMessage {
  t: 'want';
  keys: string[];
}

/** Anti-entropy push-pull reply: our newer entries and the keys we want, in one message. */
export interface EntriesWantMessage {
  t: 'entries-want';
  entries: WireEntry[];
  want: string[];
}

/** Rumor mongering: every hot entry of the sender (push) or responder (pull). */
export interface RumorMessage {
  t: 'rumor';
  entries: WireEntry[];
}

/** Rumor mongering, feedback modes: per rumor key, whether the contact was unnecessary. */
export interface FeedbackMessage {
  t: 'feedback';
  items: WireFeedback[];
}

/** Pull rumor mongering: "send me your hot rumors". */
export interface PullMessage {
  t: 'pull';
}

/** Push-sum: a share of the sender's (sum, weight) mass. */
export interface PushSumMessage {
  t: 'pushsum';
  s: number;
  w: number;
}

export type Message =
  | MailMessage
  | DigestMessage
  | EntriesMessage
  | WantMessage
  | EntriesWantMessage
  | RumorMessage
  | FeedbackMessage
  | PullMessage
  | PushSumMessage
  | MembershipMessage;

export type MessageType = Message['t'];

/** The keys whose values a message carries (the envelope's `keys` metadata). */
export function carriedKeys(msg: Message): string[] {
  switch (msg.t) {
    case 'mail':
    case 'entries':
    case 'entries-want':
    case 'rumor': {
      const keys = new Array<string>(msg.entries.length);
      for (let i = 0; i < msg.entries.length; i++) keys[i] = msg.entries[i].k;
      return keys;
    }
    default:
      return [];
  }
}
