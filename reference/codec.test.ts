import { describe, expect, it } from 'vitest';
import { Rng } from '../shared/prng.js';
import { decode, encode } from './codec.js';
import { type Encoded, encodeFitting, utf8Length } from './fit.js';
import type { Message } from './messages.js';

const samples: Message[] = [
  { t: 'mail', entries: [{ k: 'a', v: 'é∑😀', c: 1, o: 'n0' }] },
  {
    t: 'digest',
    lo: null,
    hi: 'm',
    versions: [
      { k: 'a', c: 2, o: 'n1' },
      { k: 'b', c: 1, o: 'n0' },
    ],
  },
  { t: 'entries', entries: [] },
  { t: 'want', keys: ['a', 'b"c'] },
  { t: 'entries-want', entries: [{ k: 'x', v: '', c: 3, o: 'n2' }], want: ['y'] },
  { t: 'rumor', entries: [{ k: 'r', v: 'v', c: 1, o: 'n3' }] },
  { t: 'feedback', items: [{ k: 'r', c: 1, o: 'n3', u: true }] },
  { t: 'pull' },
  { t: 'pushsum', s: -1.5e-300, w: 1 / 3 },
];

describe('codec', () => {
  it('round-trips every message type, deterministically', () => {
    for (const msg of samples) {
      const bytes = encode(msg);
      expect(decode(bytes)).toEqual({ ok: true, msg });
      expect(encode(msg)).toEqual(bytes);
      // Field order in the object does not change the bytes.
      const shuffled = Object.fromEntries(Object.entries(msg).reverse()) as Message;
      expect(encode(shuffled)).toEqual(bytes);
    }
  });

  it('rejects malformed messages with a reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /not valid JSON/],
      ['[]', /not a JSON object/],
      ['{"t":"nope"}', /unknown message type "nope"/],
      ['{"t":"pull","x":1}', /unexpected field 'x'/],
      ['{"t":"want"}', /lacks field 'keys'/],
      ['{"t":"want","keys":[1]}', /keys\[0\] is not a string/],
      ['{"t":"entries","entries":[{"k":"a","v":"b","c":0,"o":"n"}]}', /entries\[0\]\.c/],
      ['{"t":"entries","entries":[{"k":"a","v":"b","c":1.5,"o":"n"}]}', /entries\[0\]\.c/],
      ['{"t":"pushsum","s":1,"w":-1}', /'w'/],
      ['{"t":"pushsum","s":null,"w":1}', /'s'/],
      ['{"t":"feedback","items":[{"k":"a","c":1,"o":"n","u":"yes"}]}', /items\[0\]\.u/],
      ['{"t":"digest","lo":3,"hi":null,"versions":[]}', /'lo'/],
      ['{"t":"pull","__proto__":{}}', /unexpected field '__proto__'/],
    ];
    for (const [text, why] of bad) {
      const r = decode(new TextEncoder().encode(text));
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.error).toMatch(why);
    }
    expect(decode(Uint8Array.of(0xff, 0xfe, 0x7b))).toEqual({ ok: false, error: 'not valid UTF-8' });
  });

  it('never throws on random or mutated bytes', () => {
    const rng = new Rng(123);
    const valid = samples.map(encode);
    for (let i = 0; i < 5000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = Uint8Array.from({ length: rng.int(64) }, () => rng.int(256));
      } else {
        bytes = valid[rng.int(valid.length)].slice();
        for (let m = 0; m <= rng.int(3); m++) bytes[rng.int(bytes.length)] = rng.int(128);
      }
      const r = decode(bytes);
      if (!r.ok) continue;
      // Whatever decodes re-encodes to a stable, decodable form.
      const again = decode(encode(r.msg));
      expect(again.ok && encode(again.msg)).toEqual(encode(r.msg));
    }
  });
});

describe('payload fitting', () => {
  it('splits lists and digests into parts within the limit, covering every item once', () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({
      k: `k${i}`,
      v: 'ü'.repeat(i),
      c: i + 1,
      o: 'n',
    }));
    const out: Encoded[] = [];
    encodeFitting({ t: 'rumor', entries }, 400, out);
    expect(out.length).toBeGreaterThan(1);
    for (const p of out) expect(p.payload.length).toBeLessThanOrEqual(400);
    expect(out.flatMap((p) => (p.msg.t === 'rumor' ? p.msg.entries : []))).toEqual(entries);

    const versions = entries.map(({ k, c, o }) => ({ k, c, o })).reverse();
    const parts: Encoded[] = [];
    encodeFitting({ t: 'digest', lo: null, hi: null, versions }, 200, parts);
    const digests = parts.map((p) => p.msg).filter((m) => m.t === 'digest');
    expect(digests.length).toBe(parts.length);
    expect(digests[0].lo).toBeNull();
    expect(digests[digests.length - 1].hi).toBeNull();
    for (let i = 1; i < digests.length; i++) expect(digests[i].lo).toBe(digests[i - 1].hi);
    expect(digests.flatMap((d) => d.versions).length).toBe(50);
  });

  it('utf8Length matches TextEncoder', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b\ud800c', '\udc00']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});
