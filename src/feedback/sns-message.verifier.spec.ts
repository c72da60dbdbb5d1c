import { generate } from 'selfsigned';
import {
  TEST_SIGNING_CERT_URL,
  TEST_TOPIC_ARN,
  fakeSnsHttpsClient,
  signedSnsMessage,
  testCertificatePem,
} from '../../test/helpers/sns-signer';
import type { SnsHttpsClient } from './sns-https.client';
import { SnsMessageVerifier, SnsVerification } from './sns-message.verifier';

const OTHER_CERT_URL =
  'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

function certUrl(n: number): string {
  return `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${n.toString(16).padStart(32, '0')}.pem`;
}

/** A fake client whose answers the test releases by hand, to hold requests in flight. */
class ControlledClient implements SnsHttpsClient {
  readonly requests: string[] = [];
  private readonly waiting: { resolve: (body: string) => void; reject: (error: Error) => void }[] =
    [];

  get(url: string): Promise<string> {
    this.requests.push(url);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  answerAll(body: string): void {
    this.waiting.splice(0).forEach(({ resolve }) => resolve(body));
  }

  failAll(error: Error): void {
    this.waiting.splice(0).forEach(({ reject }) => reject(error));
  }
}

function expectRefused(
  result: SnsVerification,
  status: 400 | 403,
  kind: string,
  reason: RegExp,
): void {
  expect(result).toEqual({ ok: false, status, kind, reason: expect.stringMatching(reason) });
}

describe('SnsMessageVerifier', () => {
  let certificate: string;

  beforeAll(async () => {
    certificate = await testCertificatePem();
  });

  describe('verify', () => {
    it.each([1, 2] as const)('accepts a Notification signed with version %s', async (version) => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);
      const body = signedSnsMessage(
        { Subject: 'Amazon SES Email Event Notification' },
        { version },
      );

      await expect(verifier.verify(body)).resolves.toEqual({ ok: true, message: body });
      expect(client.requests).toEqual([TEST_SIGNING_CERT_URL]);
    });

    it('accepts the JSON text SNS posts, and confirmations', async () => {
      const verifier = new SnsMessageVerifier(fakeSnsHttpsClient(), [TEST_TOPIC_ARN]);
      for (const Type of ['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const) {
        const body = signedSnsMessage({ Type }, { version: 2 });
        const result = await verifier.verify(JSON.stringify(body));
        expect(result).toEqual({ ok: true, message: body });
      }
    });

    it('answers 400 for a body that is not an SNS message, naming the field', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);
      const { Timestamp: _timestamp, ...body } = signedSnsMessage();

      expectRefused(await verifier.verify(body), 400, 'malformed', /Timestamp is missing/);
      expectRefused(await verifier.verify('not json'), 400, 'malformed', /not JSON/);
      expectRefused(await verifier.verify(undefined), 400, 'malformed', /expected a JSON object/);
      expect(client.requests).toEqual([]);
    });

    it('refuses every topic when none is allowed, saying to set SNS_TOPIC_ARNS', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, []);

      expectRefused(await verifier.verify(signedSnsMessage()), 403, 'topic', /set SNS_TOPIC_ARNS/);
      expect(client.requests).toEqual([]);
    });

    it('refuses a topic outside the allowlist before fetching anything', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);
      const body = signedSnsMessage({ TopicArn: 'arn:aws:sns:us-east-1:999999999999:other' });

      expectRefused(
        await verifier.verify(body),
        403,
        'topic',
        /TopicArn "arn:aws:sns:us-east-1:999999999999:other" is not one of the topics in SNS_TOPIC_ARNS/,
      );
      expect(client.requests).toEqual([]);
    });

    it.each([
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem',
      'https://evil.example/SimpleNotificationService-abc.pem',
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
    ])('refuses the certificate URL %s without fetching it', async (url) => {
      const client = fakeSnsHttpsClient({ [url]: certificate });
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      const result = await verifier.verify(signedSnsMessage({}, { certUrl: url }));
      expectRefused(result, 403, 'certificate-url', /SigningCertURL/);
      expect(client.requests).toEqual([]);
    });

    it('refuses SignatureVersion 3 without fetching the certificate', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);
      const body = { ...signedSnsMessage(), SignatureVersion: '3' };

      expectRefused(await verifier.verify(body), 403, 'signature', /SignatureVersion "3"/);
      expect(client.requests).toEqual([]);
    });

    it('refuses a tampered message', async () => {
      const verifier = new SnsMessageVerifier(fakeSnsHttpsClient(), [TEST_TOPIC_ARN]);
      const body = signedSnsMessage({ Message: '{"notificationType":"Delivery"}' }, { version: 2 });

      const result = await verifier.verify({ ...body, Message: '{"notificationType":"Bounce"}' });
      expectRefused(result, 403, 'signature', /Signature does not match/);
    });

    it('refuses a message signed by another key than the certificate at its URL', async () => {
      const stranger = (await generate(undefined, { algorithm: 'sha256' })).cert;
      const verifier = new SnsMessageVerifier(fakeSnsHttpsClient({ [OTHER_CERT_URL]: stranger }), [
        TEST_TOPIC_ARN,
      ]);

      const result = await verifier.verify(signedSnsMessage({}, { certUrl: OTHER_CERT_URL }));
      expectRefused(result, 403, 'signature', /Signature does not match/);
    });

    it('answers 403 with the reason when the certificate cannot be fetched, and retries later', async () => {
      const client = new ControlledClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      const first = verifier.verify(signedSnsMessage());
      client.failAll(new Error('GET failed: no answer within 5000 ms'));
      expectRefused(
        await first,
        403,
        'certificate',
        /signing certificate at https:\/\/sns\.us-east-1\.amazonaws\.com\/.*: GET failed: no answer within 5000 ms/,
      );

      const second = verifier.verify(signedSnsMessage());
      await Promise.resolve();
      client.answerAll(certificate);
      await expect(second).resolves.toMatchObject({ ok: true });
      expect(client.requests).toEqual([TEST_SIGNING_CERT_URL, TEST_SIGNING_CERT_URL]);
    });

    it('refuses, and does not keep, an answer that is not a certificate', async () => {
      const client = fakeSnsHttpsClient({ [TEST_SIGNING_CERT_URL]: '<html>captive portal</html>' });
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      for (let i = 0; i < 2; i += 1) {
        expectRefused(
          await verifier.verify(signedSnsMessage()),
          403,
          'certificate',
          /not a PEM X\.509 certificate/,
        );
      }
      expect(client.requests).toEqual([TEST_SIGNING_CERT_URL, TEST_SIGNING_CERT_URL]);
    });

    it('fetches a certificate once and keeps it', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      for (let i = 0; i < 3; i += 1) {
        await expect(verifier.verify(signedSnsMessage())).resolves.toMatchObject({ ok: true });
      }
      expect(client.requests).toEqual([TEST_SIGNING_CERT_URL]);
    });

    it('shares one fetch among concurrent messages with the same certificate URL', async () => {
      const client = new ControlledClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      const results = [1, 2, 3].map(() => verifier.verify(signedSnsMessage()));
      await Promise.resolve();
      expect(client.requests).toEqual([TEST_SIGNING_CERT_URL]);
      client.answerAll(certificate);
      for (const result of await Promise.all(results)) {
        expect(result.ok).toBe(true);
      }
      expect(client.requests).toHaveLength(1);
    });

    it('keeps at most cacheLimit certificates, dropping the least recently used', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN], 2);
      const verifyWith = async (n: number): Promise<void> => {
        const result = await verifier.verify(signedSnsMessage({}, { certUrl: certUrl(n) }));
        expect(result.ok).toBe(true);
      };

      await verifyWith(1);
      await verifyWith(2);
      await verifyWith(1); // 1 is now the most recently used
      await verifyWith(3); // evicts 2
      await verifyWith(1);
      expect(client.requests).toEqual([certUrl(1), certUrl(2), certUrl(3)]);
      await verifyWith(2);
      expect(client.requests).toEqual([certUrl(1), certUrl(2), certUrl(3), certUrl(2)]);
    });

    it('keeps nothing with a cacheLimit of 0', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN], 0);

      await verifier.verify(signedSnsMessage());
      await verifier.verify(signedSnsMessage());
      expect(client.requests).toHaveLength(2);
    });
  });

  describe('confirmSubscription', () => {
    it('visits the SubscribeURL of a verified SubscriptionConfirmation', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);
      const result = await verifier.verify(signedSnsMessage({ Type: 'SubscriptionConfirmation' }));
      if (!result.ok) {
        throw new Error(result.reason);
      }

      await verifier.confirmSubscription(result.message);
      expect(client.requests).toEqual([TEST_SIGNING_CERT_URL, result.message.SubscribeURL]);
    });

    it('refuses a SubscribeURL off the SNS hosts without visiting it', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);
      const message = signedSnsMessage({
        Type: 'SubscriptionConfirmation',
        SubscribeURL: 'https://169.254.169.254/latest/meta-data/',
      });

      await expect(verifier.confirmSubscription(message)).rejects.toThrow(
        /SubscribeURL host "169.254.169.254"/,
      );
      expect(client.requests).toEqual([]);
    });

    it('refuses to visit the SubscribeURL of an UnsubscribeConfirmation', async () => {
      const client = fakeSnsHttpsClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      await expect(
        verifier.confirmSubscription(signedSnsMessage({ Type: 'UnsubscribeConfirmation' })),
      ).rejects.toThrow(/cannot confirm a UnsubscribeConfirmation message/);
      expect(client.requests).toEqual([]);
    });

    it('passes on a failed visit', async () => {
      const client = new ControlledClient();
      const verifier = new SnsMessageVerifier(client, [TEST_TOPIC_ARN]);

      const confirming = verifier.confirmSubscription(
        signedSnsMessage({ Type: 'SubscriptionConfirmation' }),
      );
      client.failAll(new Error('GET answered HTTP 403; expected 2xx'));
      await expect(confirming).rejects.toThrow('GET answered HTTP 403; expected 2xx');
    });
  });
});
