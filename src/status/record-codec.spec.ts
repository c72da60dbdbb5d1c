import { MessageStatus } from './message-status';
import {
  b36,
  bareAddress,
  decodeRecord,
  encodeChange,
  encodeEntry,
  encodeNewRecord,
  encodeRecipientDetail,
  fieldsOf,
  fromB36,
  FS,
  GS,
  MAX_RECIPIENT_DETAIL_LENGTH,
  packSesId,
  recipientAddresses,
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
      MessageStatus.CANCELED,
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
    // Stored records keep their codes: CANCELED came later, between QUEUED ('1') and PUSHED ('2').
    expect(order.map(statusCode)).toEqual(['1', '1.5', '2', '3', '4', '5', '6', '7', '8']);
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
      recipients: [{ address: 'jane@example.org', kind: 'to', status: 'QUEUED', at: iso(0) }],
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

  describe('recipients', () => {
    const single = {
      from: 'News <news@example.com>',
      to: 'Jane <jane@example.org>',
      subject: 'Hello',
      tags: { campaign: 'c' },
      track: { opens: true, clicks: true },
      queuedAt: BASE,
    };

    it('packs a message with one recipient exactly as before, whichever way it is given', () => {
      const before = [
        's1',
        'fNews <news@example.com>',
        'tJane <jane@example.org>',
        'jHello',
        `gcampaign${GS}c`,
        'k3',
      ].join(US);
      expect(encodeNewRecord(single, BASE, 'full')).toBe(before);
      expect(encodeNewRecord({ ...single, to: [single.to] }, BASE, 'full')).toBe(before);
      expect(
        encodeNewRecord({ ...single, cc: [], bcc: [], category: 'transactional' }, BASE, 'full'),
      ).toBe(before);
      expect(encodeNewRecord(single, BASE, 'lean')).toBe('s1');
    });

    it('shows the only recipient as the message itself, at no storage cost', () => {
      const delivered = [
        's6',
        'tJane <jane@example.org>',
        `p${b36(300)}`,
        `d${b36(2_000)}`,
        `x${b36(100)}`,
        `Eold${GS}error`,
      ].join(US);
      expect(decodeRecord('i', delivered, BASE).record.recipients).toEqual([
        {
          address: 'jane@example.org',
          kind: 'to',
          status: MessageStatus.DELIVERED,
          at: iso(2_000),
        },
      ]);
      const bounced = [
        's7',
        'tjane@example.org',
        `b${b36(5_000)}`,
        `BPermanent${GS}General${GS}5.1.1${GS}smtp; 550`,
      ].join(US);
      expect(decodeRecord('i', bounced, BASE).record.recipients).toEqual([
        {
          address: 'jane@example.org',
          kind: 'to',
          status: MessageStatus.BOUNCED,
          at: iso(5_000),
          bounce: {
            type: 'Permanent',
            subType: 'General',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550',
          },
        },
      ]);
      // Lean records keep no addresses: no recipients, the message's status is all there is.
      expect(decodeRecord('i', 's6', BASE).record.recipients).toBeUndefined();
    });

    it('packs several recipients with a state each, and cc, bcc, category and schedule', () => {
      const raw = encodeNewRecord(
        {
          ...single,
          to: ['Jane <jane@example.org>', `bob${US}@example.org`],
          cc: ['"Doe, Carol" <carol@example.org>'],
          bcc: ['dave@example.org'],
          category: 'newsletter',
          scheduledFor: BASE + 3_600_000,
        },
        BASE,
        'full',
      );
      const fields = fieldsOf(raw);
      expect(fields.get('t')).toBe(`Jane <jane@example.org>${GS}1${FS}bob @example.org${GS}1`);
      expect(fields.get('r')).toBe(`"Doe, Carol" <carol@example.org>${GS}1`);
      expect(fields.get('h')).toBe(`dave@example.org${GS}1`);
      expect(fields.get('G')).toBe('newsletter');
      expect(fields.get('S')).toBe(b36(3_600_000));
      expect(recipientAddresses(raw)).toEqual([
        'jane@example.org',
        'bob @example.org',
        'carol@example.org',
        'dave@example.org',
      ]);

      const { record } = decodeRecord('i', raw, BASE);
      expect(record).toMatchObject({
        to: 'Jane <jane@example.org>, bob @example.org',
        cc: '"Doe, Carol" <carol@example.org>',
        bcc: 'dave@example.org',
        category: 'newsletter',
        scheduledFor: iso(3_600_000),
      });
      expect(record.recipients).toEqual([
        { address: 'jane@example.org', kind: 'to', status: MessageStatus.QUEUED, at: iso(0) },
        { address: 'bob @example.org', kind: 'to', status: MessageStatus.QUEUED, at: iso(0) },
        { address: 'carol@example.org', kind: 'cc', status: MessageStatus.QUEUED, at: iso(0) },
        { address: 'dave@example.org', kind: 'bcc', status: MessageStatus.QUEUED, at: iso(0) },
      ]);
      // The queued entry names the first to address.
      expect(record.events?.[0]).toEqual({
        type: 'queued',
        at: iso(0),
        recipient: 'jane@example.org',
        source: 'ases',
      });

      // A lean record keeps the schedule (the stale sweep needs it) and the category (the
      // reputation figures go by it), not the addresses.
      const lean = encodeNewRecord(
        { ...single, to: ['a@x.io', 'b@x.io'], category: 'news', scheduledFor: BASE + 60_000 },
        BASE,
        'lean',
      );
      expect(lean).toBe(`s1${US}S${b36(60_000)}${US}Gnews`);
      expect(decodeRecord('i', lean, BASE).record).toMatchObject({
        to: '',
        scheduledFor: iso(60_000),
        category: 'news',
      });
      const transactional = encodeNewRecord({ ...single, category: 'transactional' }, BASE, 'lean');
      expect(decodeRecord('i', transactional, BASE).record).not.toHaveProperty('category');
    });

    it("reads each recipient's own status, time and details", () => {
      const raw = [
        's7',
        `tJane <jane@example.org>${GS}6${GS}${b36(2_000)}`,
        `rbob@example.org${GS}7${GS}${b36(3_000)}${GS}Permanent${GS}General${GS}5.1.1`,
        `hcarol@example.org${GS}5${GS}${b36(10)}${GS}RECIPIENT_SUPPRESSED${GS}on the list`,
        `b${b36(3_000)}`,
        `BPermanent${GS}General${GS}5.1.1`,
        `e${encodeEntry({ type: 'bounce', at: iso(3_000), recipient: 'jane@example.org' }, BASE).head}${GS}=`,
      ].join(US);
      const { record } = decodeRecord('i', raw, BASE);
      expect(record.status).toBe(MessageStatus.BOUNCED);
      expect(record.to).toBe('Jane <jane@example.org>');
      expect(record.recipients).toEqual([
        {
          address: 'jane@example.org',
          kind: 'to',
          status: MessageStatus.DELIVERED,
          at: iso(2_000),
        },
        {
          address: 'bob@example.org',
          kind: 'cc',
          status: MessageStatus.BOUNCED,
          at: iso(3_000),
          bounce: { type: 'Permanent', subType: 'General', status: '5.1.1' },
        },
        {
          address: 'carol@example.org',
          kind: 'bcc',
          status: MessageStatus.SUPPRESSED,
          at: iso(10),
          error: { code: 'RECIPIENT_SUPPRESSED', message: 'on the list' },
        },
      ]);
      // '=' in a timeline entry is the first to address.
      expect(record.events?.[1].recipient).toBe('jane@example.org');

      // A change that moved the message (a Reject) left '=' with the recipients: they show the
      // message's details; one without any shows none.
      const rejected = [
        's4',
        `ta@x.io${GS}4${GS}${b36(50)}${GS}=${FS}z@x.io${GS}4${GS}${b36(50)}`,
        `rb@x.io${GS}5${GS}${b36(10)}${GS}RECIPIENT_SUPPRESSED`,
        `x${b36(50)}`,
        `EREJECTED${GS}rejected by SES`,
      ].join(US);
      expect(decodeRecord('i', rejected, BASE).record.recipients).toEqual([
        {
          address: 'a@x.io',
          kind: 'to',
          status: MessageStatus.FAILED,
          at: iso(50),
          error: { code: 'REJECTED', message: 'rejected by SES' },
        },
        { address: 'z@x.io', kind: 'to', status: MessageStatus.FAILED, at: iso(50) },
        {
          address: 'b@x.io',
          kind: 'cc',
          status: MessageStatus.SUPPRESSED,
          at: iso(10),
          error: { code: 'RECIPIENT_SUPPRESSED', message: '' },
        },
      ]);
    });

    it('keeps short details with a recipient: those of its status only', () => {
      const change = {
        bounce: {
          type: 'Permanent',
          subType: 'General',
          status: '5.1.1',
          diagnosticCode: `smtp; 550 ${'x'.repeat(300)}`,
        },
        delay: { type: 'MailboxFull' },
        error: { code: 'E', message: 'm' },
      };
      const bounce = encodeRecipientDetail(MessageStatus.BOUNCED, change).split(GS);
      expect(bounce.slice(0, 3)).toEqual(['Permanent', 'General', '5.1.1']);
      expect(bounce[3]).toHaveLength(MAX_RECIPIENT_DETAIL_LENGTH);
      expect(bounce[3].endsWith('…')).toBe(true);
      expect(encodeRecipientDetail(MessageStatus.DELAYED, change)).toBe('MailboxFull');
      expect(encodeRecipientDetail(MessageStatus.SUPPRESSED, change)).toBe(`E${GS}m`);
      expect(encodeRecipientDetail(MessageStatus.DELIVERED, change)).toBe('');
      expect(encodeRecipientDetail(MessageStatus.COMPLAINED, {})).toBe('');
    });

    it('takes the bare address of a mailbox, as the scripts do', () => {
      expect(bareAddress('jane@example.org')).toBe('jane@example.org');
      expect(bareAddress('Jane <jane@example.org>')).toBe('jane@example.org');
      expect(bareAddress('"a <b> c" <jane@example.org>')).toBe('jane@example.org');
    });
  });

  it('reads a CANCELED record, its time, and the new timeline types', () => {
    const entries = ['canceled', 'unsubscribed', 'scheduled'].map((type, i) =>
      encodeEntry({ type, at: iso(i * 10), source: 'ases' }, BASE),
    );
    // Each has a code of its own: no name is kept in the tail.
    expect(entries.map((entry) => entry.tail)).toEqual(['', '', '']);
    const timeline = entries.map((e) => `${e.head}${GS}${e.recipient}${e.tail}`).join(FS);
    const raw = [
      `s${statusCode(MessageStatus.CANCELED)}`,
      `ta@x.io${GS}1.5${GS}${b36(20)}${FS}b@x.io${GS}5`,
      `n${b36(20)}`,
      `e${timeline}`,
    ].join(US);
    const { record } = decodeRecord('i', raw, BASE);
    expect(record).toMatchObject({ status: MessageStatus.CANCELED, canceledAt: iso(20) });
    expect(record.events?.slice(1).map((event) => event.type)).toEqual([
      'canceled',
      'unsubscribed',
      'scheduled',
    ]);
    expect(record.recipients?.map((r) => [r.status, r.at])).toEqual([
      [MessageStatus.CANCELED, iso(20)],
      [MessageStatus.SUPPRESSED, undefined],
    ]);
    // A cancelled single-recipient message: its recipient is cancelled, since canceledAt.
    const one = decodeRecord('i', `s1.5${US}ta@x.io${US}n${b36(20)}`, BASE).record;
    expect(one.recipients).toEqual([
      { address: 'a@x.io', kind: 'to', status: MessageStatus.CANCELED, at: iso(20) },
    ]);
  });
});
