import { SendmailJob, parseSendmailJob, serializeSendmailJob } from './sendmail-job';

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

  it.each([
    ['not JSON', '{'],
    ['undefined body', undefined],
    ['null', 'null'],
    ['another version', JSON.stringify({ ...job, v: 3 })],
    ['no id', JSON.stringify({ ...job, id: '' })],
    ['a version 2 job without its source', JSON.stringify({ ...job, raw: undefined })],
    ['a version 2 job with an empty source', JSON.stringify({ ...job, raw: '' })],
    ['a job of a version never released', JSON.stringify({ ...job, v: 1, html: '<p>x</p>' })],
    ['a number as source', JSON.stringify({ ...job, raw: 1 })],
  ])('refuses %s', (_name, body) => {
    expect(parseSendmailJob(body)).toBeNull();
  });
});
