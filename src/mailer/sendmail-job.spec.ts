import {
  SendmailJob,
  jobRecipients,
  parseSendmailJob,
  pushedReceipt,
  serializeSendmailJob,
} from './sendmail-job';
import { queueDelaySeconds } from './sendmail.queue';

const job: SendmailJob = {
  v: 2,
  id: 'm1',
  from: 'news@example.com',
  to: 'jane@example.org',
  subject: 'hi',
  raw: 'From: news@example.com\r\nTo: jane@example.org\r\nSubject: hi\r\n\r\nhello',
};

describe('sendmail job', () => {
  it('round-trips through its SQS body', () => {
    expect(parseSendmailJob(serializeSendmailJob(job))).toEqual(job);
  });

  it('round-trips what its record is made again from', () => {
    const full: SendmailJob = {
      ...job,
      tags: { campaign: 'spring', constructor: 'x' },
      track: { opens: true, clicks: false },
      queuedAt: '2026-12-01T12:00:00.000Z',
      fingerprint: 'fp',
    };
    expect(parseSendmailJob(serializeSendmailJob(full))).toEqual(full);
  });

  it('writes characters SQS or its emulator may refuse as escapes, and reads them back', () => {
    const odd: SendmailJob = { ...job, subject: 'rocket \u{1F680} \u0085 \u2028 \uffff end' };
    const body = serializeSendmailJob(odd);
    expect(body).toMatch(/^[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufffd]*$/);
    expect(body).toContain('\\ud83d\\ude80');
    expect(parseSendmailJob(body)).toEqual(odd);
  });

  it('round-trips a version 3 job: recipients, S3 key, send time and SES settings', () => {
    const v3: SendmailJob = {
      ...job,
      v: 3,
      raw: '',
      rcpt: {
        to: ['jane@example.org', 'Joe <joe@example.org>'],
        cc: ['c@example.org'],
        bcc: ['b@example.org'],
      },
      s3Key: 'ases/jobs/2026-12-01/m1/abc',
      sendAt: '2026-12-02T08:00:00.000Z',
      category: 'marketing',
      configurationSet: 'events',
      sesTags: { campaign: 'spring' },
    };
    expect(parseSendmailJob(serializeSendmailJob(v3))).toEqual(v3);
    expect(jobRecipients(v3)).toEqual([
      'jane@example.org',
      'Joe <joe@example.org>',
      'c@example.org',
      'b@example.org',
    ]);
    expect(jobRecipients(job)).toEqual(['jane@example.org']);
  });

  it.each([
    ['an empty to list', { rcpt: { to: [] } }],
    ['a cc that is not a list', { rcpt: { to: ['a@example.org'], cc: 'c@example.org' } }],
    ['a send time that is not one', { sendAt: 'tomorrow' }],
    ['tags that are not strings', { sesTags: { a: 1 } }],
    ['no content and no S3 key', { raw: '' }],
  ])('reads a version 3 job with %s as no job', (_name, change) => {
    expect(parseSendmailJob(JSON.stringify({ ...job, v: 3, ...change }))).toBeNull();
  });

  it('delays a job on the queue until its send time, at most 15 minutes, never a receipt', () => {
    const now = Date.parse('2026-12-01T12:00:00.000Z');
    const at = (ms: number) => ({
      ...job,
      v: 3 as const,
      sendAt: new Date(now + ms).toISOString(),
    });
    expect(queueDelaySeconds(job, now)).toBe(0);
    expect(queueDelaySeconds(at(-5000), now)).toBe(0);
    expect(queueDelaySeconds(at(1200), now)).toBe(2);
    expect(queueDelaySeconds(at(3600_000), now)).toBe(900);
    expect(queueDelaySeconds(pushedReceipt(at(60_000), 'ses-1', 'x'), now)).toBe(0);
  });

  it('round-trips a receipt of a send SES accepted, without the content', () => {
    const receipt = pushedReceipt(job, 'ses-1', '2026-12-01T12:00:01.000Z');
    expect(receipt.raw).toBe('');
    expect(parseSendmailJob(serializeSendmailJob(receipt))).toEqual(receipt);
  });

  it.each([
    ['not JSON', '{'],
    ['undefined body', undefined],
    ['null', 'null'],
    ['another version', JSON.stringify({ ...job, v: 4 })],
    ['no id', JSON.stringify({ ...job, id: '' })],
    ['a version 2 job without its source', JSON.stringify({ ...job, raw: undefined })],
    ['a version 2 job with an empty source', JSON.stringify({ ...job, raw: '' })],
    ['a job of a version never released', JSON.stringify({ ...job, v: 1, html: '<p>x</p>' })],
    ['a number as source', JSON.stringify({ ...job, raw: 1 })],
    [
      'a receipt that carries content',
      JSON.stringify({ ...job, pushed: { sesMessageId: 's', at: 't' } }),
    ],
    ['a receipt without its SES id', JSON.stringify({ ...job, raw: '', pushed: { at: 't' } })],
    ['tags that are not strings', JSON.stringify({ ...job, tags: { a: 1 } })],
    ['track that is not two booleans', JSON.stringify({ ...job, track: { opens: 'yes' } })],
  ])('refuses %s', (_name, body) => {
    expect(parseSendmailJob(body)).toBeNull();
  });
});
