import { SendmailJob, parseSendmailJob, serializeSendmailJob } from './sendmail-job';

const job: SendmailJob = {
  v: 2,
  id: 'm1',
  from: 'news@example.com',
  to: 'jane@example.org',
  subject: 'hi',
  raw: 'From: news@example.com\r\nTo: jane@example.org\r\nSubject: hi\r\n\r\nhello',
};

const partsJob: SendmailJob = {
  v: 1,
  id: 'm1',
  from: 'news@example.com',
  to: 'jane@example.org',
  subject: 'hi',
  html: '<p>hello</p>',
};

describe('sendmail job', () => {
  it('round-trips through its SQS body', () => {
    expect(parseSendmailJob(serializeSendmailJob(job))).toEqual(job);
  });

  it('still reads the version 1 jobs of earlier releases (parts, no MIME source)', () => {
    expect(parseSendmailJob(serializeSendmailJob(partsJob))).toEqual(partsJob);
  });

  it.each([
    ['not JSON', '{'],
    ['undefined body', undefined],
    ['null', 'null'],
    ['another version', JSON.stringify({ ...job, v: 3 })],
    ['no id', JSON.stringify({ ...job, id: '' })],
    ['a version 2 job without its source', JSON.stringify({ ...job, raw: undefined })],
    ['a version 2 job with an empty source', JSON.stringify({ ...job, raw: '' })],
    ['a version 1 job without a body', JSON.stringify({ ...partsJob, html: undefined })],
    ['a number as html', JSON.stringify({ ...partsJob, html: 1 })],
  ])('refuses %s', (_name, body) => {
    expect(parseSendmailJob(body)).toBeNull();
  });
});
