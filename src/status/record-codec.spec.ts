import { MessageStatus } from './message-status';
import {
  b36,
  decodeRecord,
  encodeChange,
  encodeEntry,
  encodeNewRecord,
  fieldsOf,
  fromB36,
  GS,
  packSesId,
  sesIdTime,
  statusCode,
  statusOfCode,
  unpackSesId,
  US,
} from './record-codec';

const BASE = Date.UTC(2026, 11, 1, 10, 0, 0, 0);
const iso = (ms: number) => new Date(BASE + ms).toISOString();

describe('record codec', () => {
  it('writes signed base-36 numbers', () => {
    for (const n of [0, 1, 35, 36, 312, -5, -1_234_567, 1_764_585_600_000]) {
      expect(fromB36(b36(n))).toBe(n);
    }
    expect(b36(-36)).toBe('-10');
    expect(fromB36('')).toBe(0);
  });

  it('codes statuses in rank order', () => {
    const order = [
      MessageStatus.QUEUED,
      MessageStatus.PUSHED,
      MessageStatus.DELAYED,
      MessageStatus.FAILED,
      MessageStatus.SUPPRESSED,
      MessageStatus.DELIVERED,
      MessageStatus.BOUNCED,
      MessageStatus.COMPLAINED,
    ];
    const codes = order.map(statusCode).map(Number);
    expect([...codes].sort((a, b) => a - b)).toEqual(codes);
    expect(order.map(statusCode).map(statusOfCode)).toEqual(order);
    expect(statusOfCode('9')).toBe(MessageStatus.UNKNOWN);
  });

  describe('SES ids', () => {
    const real = '010001936b2f9a5e-3c1f2b7e-9a4d-4e2f-8b1c-0d9e8f7a6b5c-000000';

    it('pack a real-shaped id into its time after the base and its UUID, and back', () => {
      const time = sesIdTime(real) ?? 0;
      expect(time).toBe(0x1936b2f9a5e);
      const packed = packSesId(real, time - 300);
      expect(packed).toBe(
        `8c~${Buffer.from('3c1f2b7e9a4d4e2f8b1c0d9e8f7a6b5c', 'hex').toString('base64url')}`,
      );
      expect(unpackSesId(packed, time - 300)).toBe(real);
      expect(unpackSesId(packSesId(real, 0), 0)).toBe(real);
      expect(unpackSesId(packSesId(real, time + 5_000), time + 5_000)).toBe(real);
    });

    it('keep unusual prefixes and suffixes', () => {
      const odd = '000001936b2f9a5e-3c1f2b7e-9a4d-4e2f-8b1c-0d9e8f7a6b5c-000123';
      expect(unpackSesId(packSesId(odd, BASE), BASE)).toBe(odd);
    });

    it('keep any other id as it is', () => {
      for (const id of ['ses-123456789', '0100-abc-000000', 'X'.repeat(70)]) {
        expect(packSesId(id, BASE)).toBe(`!${id}`);
        expect(unpackSesId(packSesId(id, BASE), BASE)).toBe(id);
        expect(sesIdTime(id)).toBeUndefined();
      }
    });
  });

  it('packs a new record and reads it back; separators in values become spaces', () => {
    const raw = encodeNewRecord(
      {
        from: 'News <news@example.com>',
        to: 'Jane <jane@example.org>',
        subject: `a${US}b${GS}c`,
        tags: { campaign: 'x\x1cy', n: '1' },
        track: { opens: true, clicks: false },
        queuedAt: BASE,
      },
      BASE,
      'full',
    );
    expect(fieldsOf(raw).has('q')).toBe(false);
    const { record, fingerprint } = decodeRecord('id-1', raw, BASE);
    expect(fingerprint).toBeUndefined();
    expect(record).toEqual({
      id: 'id-1',
      status: MessageStatus.QUEUED,
      from: 'News <news@example.com>',
      to: 'Jane <jane@example.org>',
      subject: 'a b c',
      tags: { campaign: 'x y', n: '1' },
      track: { opens: true, clicks: false },
      queuedAt: iso(0),
      events: [{ type: 'queued', at: iso(0), recipient: 'jane@example.org', source: 'ases' }],
    });
  });

  it('keeps the queue time and fingerprint of a record kept at base 0 (a caller-given id)', () => {
    const raw = encodeNewRecord(
      { from: 'a@x.io', to: 'b@x.io', subject: 's', queuedAt: BASE + 7, fingerprint: 'fp' },
      0,
      'lean',
    );
    expect(raw).toBe(`s1${US}q${b36(BASE + 7)}${US}ifp`);
    expect(decodeRecord('mine', raw, 0)).toEqual({
      fingerprint: 'fp',
      record: {
        id: 'mine',
        status: MessageStatus.QUEUED,
        from: '',
        to: '',
        subject: '',
        queuedAt: iso(7),
      },
    });
  });

  it('packs timeline entries, hits included, and types it does not know', () => {
    const entries = [
      encodeEntry(
        {
          type: 'click',
          at: iso(90_000),
          source: 'ses',
          detail: 'https://x.io/a',
          hit: { class: 'scanner', rule: 'early-click', link: 3, ip: '1.2.3.4', userAgent: 'UA' },
        },
        BASE,
      ),
      encodeEntry({ type: 'something-new', at: iso(-20), detail: 'what it said' }, BASE),
      encodeEntry(
        { type: 'delivery', at: iso(5), recipient: 'other@x.io', detail: 'd'.repeat(300) },
        BASE,
      ),
    ];
    const timeline = entries.map((e) => `${e.head}${GS}${e.recipient}${e.tail}`).join('\x1c');
    const raw = `s2${US}tjane@x.io${US}e${timeline}`;
    const [queued, ...events] = decodeRecord('i', raw, BASE).record.events ?? [];
    // The queued entry is not stored: the queue time and the address make it.
    expect(queued).toEqual({ type: 'queued', at: iso(0), recipient: 'jane@x.io', source: 'ases' });
    expect(events[0]).toEqual({
      type: 'click',
      at: iso(90_000),
      source: 'ses',
      detail: 'https://x.io/a',
      hit: { class: 'scanner', rule: 'early-click', link: 3, ip: '1.2.3.4', userAgent: 'UA' },
    });
    expect(events[1]).toEqual({ type: 'something-new', at: iso(-20), detail: 'what it said' });
    expect(events[2].recipient).toBe('other@x.io');
    expect(events[2].detail).toHaveLength(200);
  });

  it('writes the fields of a status change; lean records keep the times only', () => {
    const change = {
      bouncedAt: iso(1_000),
      bounce: {
        type: 'Permanent',
        subType: 'General',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550',
      },
    };
    expect(encodeChange(change, BASE, 'lean')).toEqual(['b', b36(1_000)]);
    const pairs = encodeChange(change, BASE, 'full');
    const raw = [`s${statusCode(MessageStatus.BOUNCED)}`]
      .concat(pairs.flatMap((v, i) => (i % 2 === 0 ? [v + pairs[i + 1]] : [])))
      .join(US);
    expect(decodeRecord('i', raw, BASE).record).toMatchObject({
      status: MessageStatus.BOUNCED,
      bouncedAt: iso(1_000),
      bounce: change.bounce,
    });
  });
});
