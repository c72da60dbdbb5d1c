import { SendmailJob, parseSendmailJob, serializeSendmailJob } from './sendmail-job';

const job: SendmailJob = {
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

  it.each([
    ['not JSON', '{'],
    ['undefined body', undefined],
    ['null', 'null'],
    ['another version', JSON.stringify({ ...job, v: 2 })],
    ['no id', JSON.stringify({ ...job, id: '' })],
    ['no body', JSON.stringify({ ...job, html: undefined })],
    ['a number as html', JSON.stringify({ ...job, html: 1 })],
  ])('refuses %s', (_name, body) => {
    expect(parseSendmailJob(body)).toBeNull();
  });
});
