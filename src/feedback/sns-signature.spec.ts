import { createSign, generateKeyPairSync } from 'node:crypto';
import { generate } from 'selfsigned';
import { signedSnsMessage, testCertificatePem } from '../../test/helpers/sns-signer';
import {
  SnsMessage,
  checkSigningCertUrl,
  checkSubscribeUrl,
  parseSnsMessage,
  snsCanonicalString,
  verifySnsSignature,
} from './sns-signature';

const CERT_URL =
  'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';

// The example Notification of the SNS developer guide ("HTTP/HTTPS notification JSON format").
// Frozen: a test that deletes a field from it by mistake would change every later test.
const NOTIFICATION: Readonly<SnsMessage> = Object.freeze({
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  Subject: 'My First Message',
  Message: 'Hello world!',
  Timestamp: '2012-05-02T00:54:06.655Z',
  SignatureVersion: '1',
  Signature: 'EXAMPLEw6JRN',
  SigningCertURL: CERT_URL,
  UnsubscribeURL:
    'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96',
});

// The example SubscriptionConfirmation of the guide, as SNS posts it: JSON text with "\n" escaped.
const SUBSCRIPTION_CONFIRMATION_JSON = `{
  "Type" : "SubscriptionConfirmation",
  "MessageId" : "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
  "Token" : "2336412f37f",
  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:MyTopic",
  "Message" : "You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\\nTo confirm the subscription, visit the SubscribeURL included in this message.",
  "SubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f",
  "Timestamp" : "2012-04-26T20:45:04.751Z",
  "SignatureVersion" : "1",
  "Signature" : "EXAMPLEpH+",
  "SigningCertURL" : "${CERT_URL}"
}`;

// The strings to sign, written out by hand from the guide ("Verifying the signatures of Amazon
// SNS messages"): fields in byte order, each "Name\nvalue\n".
const NOTIFICATION_STRING_TO_SIGN =
  'Message\nHello world!\n' +
  'MessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n' +
  'Subject\nMy First Message\n' +
  'Timestamp\n2012-05-02T00:54:06.655Z\n' +
  'TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\n' +
  'Type\nNotification\n';
const CONFIRMATION_STRING_TO_SIGN =
  'Message\nYou have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\n' +
  'To confirm the subscription, visit the SubscribeURL included in this message.\n' +
  'MessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\n' +
  'SubscribeURL\nhttps://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f\n' +
  'Timestamp\n2012-04-26T20:45:04.751Z\n' +
  'Token\n2336412f37f\n' +
  'TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\n' +
  'Type\nSubscriptionConfirmation\n';

function parsed(body: unknown): SnsMessage {
  const result = parseSnsMessage(body);
  if (!result.ok) {
    throw new Error(`expected a message: ${result.reason}`);
  }
  return result.message;
}

function reasonFor(body: unknown): string {
  const result = parseSnsMessage(body);
  if (result.ok) {
    throw new Error('expected a refusal');
  }
  return result.reason;
}

describe('parseSnsMessage', () => {
  it('reads a Notification object and keeps only the fields SNS documents', () => {
    expect(parsed({ ...NOTIFICATION, MessageAttributes: {} })).toEqual(NOTIFICATION);
  });

  it('reads the raw JSON text SNS posts as text/plain, from a string or a Buffer', () => {
    const message = parsed(SUBSCRIPTION_CONFIRMATION_JSON);
    expect(message.Type).toBe('SubscriptionConfirmation');
    expect(message.Token).toBe('2336412f37f');
    expect(message.Message).toContain('MyTopic.\nTo confirm');
    expect(parsed(Buffer.from(SUBSCRIPTION_CONFIRMATION_JSON))).toEqual(message);
  });

  it('reads a Notification without Subject, and a null Subject as none', () => {
    const { Subject: _subject, ...withoutSubject } = NOTIFICATION;
    expect(parsed(withoutSubject).Subject).toBeUndefined();
    expect('Subject' in parsed({ ...NOTIFICATION, Subject: null })).toBe(false);
  });

  it('accepts the legacy spelling SigningCertUrl', () => {
    const { SigningCertURL: url, ...rest } = NOTIFICATION;
    expect(parsed({ ...rest, SigningCertUrl: url }).SigningCertURL).toBe(url);
    expect(parsed({ ...NOTIFICATION, SigningCertUrl: url }).SigningCertURL).toBe(url);
    expect(reasonFor({ ...NOTIFICATION, SigningCertUrl: `${url}x` })).toMatch(
      /SigningCertURL and SigningCertUrl differ/,
    );
  });

  it.each([
    ['not JSON', '{"Type":', /not JSON/],
    ['an array', [NOTIFICATION], /an array; expected a JSON object/],
    ['null', null, /null; expected a JSON object/],
    ['a number', 42, /a number; expected a JSON object/],
    ['an unknown Type', { ...NOTIFICATION, Type: 'Bogus' }, /Type is "Bogus"; expected one of/],
    ['no Type', { ...NOTIFICATION, Type: undefined }, /Type is missing; expected one of/],
  ])('refuses %s', (_label, body, reason) => {
    expect(reasonFor(body)).toMatch(reason);
  });

  it.each(['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature'])(
    'names a missing %s',
    (field) => {
      const body: Record<string, unknown> = { ...NOTIFICATION };
      delete body[field];
      expect(reasonFor(body)).toContain(`${field} is missing`);
    },
  );

  it('names a missing SigningCertURL', () => {
    const { SigningCertURL: _url, ...rest } = NOTIFICATION;
    expect(reasonFor(rest)).toContain('SigningCertURL is missing');
  });

  it('names fields of the wrong type or empty', () => {
    expect(reasonFor({ ...NOTIFICATION, MessageId: 7 })).toContain(
      'MessageId is a number; expected a string',
    );
    expect(reasonFor({ ...NOTIFICATION, TopicArn: '' })).toContain('TopicArn is empty');
    expect(reasonFor({ ...NOTIFICATION, Subject: ['x'] })).toContain('Subject is an array');
  });

  it.each(['SubscribeURL', 'Token'])('needs %s in a confirmation', (field) => {
    for (const type of ['SubscriptionConfirmation', 'UnsubscribeConfirmation']) {
      const body = JSON.parse(SUBSCRIPTION_CONFIRMATION_JSON) as Record<string, unknown>;
      body.Type = type;
      delete body[field];
      expect(reasonFor(body)).toBe(`${type} message: ${field} is missing; expected a string`);
    }
  });
});

describe('snsCanonicalString', () => {
  it('builds the Notification string to sign, Subject included', () => {
    expect(snsCanonicalString(NOTIFICATION)).toBe(NOTIFICATION_STRING_TO_SIGN);
  });

  it('leaves Subject out when the Notification has none', () => {
    const { Subject: _subject, ...withoutSubject } = NOTIFICATION;
    expect(snsCanonicalString(withoutSubject)).toBe(
      NOTIFICATION_STRING_TO_SIGN.replace('Subject\nMy First Message\n', ''),
    );
  });

  it('builds the SubscriptionConfirmation string to sign with SubscribeURL and Token', () => {
    expect(snsCanonicalString(parsed(SUBSCRIPTION_CONFIRMATION_JSON))).toBe(
      CONFIRMATION_STRING_TO_SIGN,
    );
  });

  it('signs the same fields for an UnsubscribeConfirmation', () => {
    const message = { ...parsed(SUBSCRIPTION_CONFIRMATION_JSON), Type: 'UnsubscribeConfirmation' };
    expect(snsCanonicalString(message as SnsMessage)).toBe(
      CONFIRMATION_STRING_TO_SIGN.replace(
        'Type\nSubscriptionConfirmation\n',
        'Type\nUnsubscribeConfirmation\n',
      ),
    );
  });
});

describe('verifySnsSignature', () => {
  // A key and certificate of the spec's own, signed with node:crypto directly: this checks the
  // verifier against the guide, not against the test helper.
  const handKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let handCertificate: string;
  let otherCertificate: string;
  let helperCertificate: string;

  beforeAll(async () => {
    handCertificate = (
      await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
        algorithm: 'sha256',
        keyPair: {
          privateKey: handKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKey: handKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
      })
    ).cert;
    // Same name, different key: what an attacker's self-made "SNS" certificate would be.
    otherCertificate = (
      await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], { algorithm: 'sha256' })
    ).cert;
    helperCertificate = await testCertificatePem();
  });

  function signByHand(stringToSign: string, algorithm: 'RSA-SHA1' | 'RSA-SHA256'): string {
    return createSign(algorithm).update(stringToSign, 'utf8').sign(handKeys.privateKey, 'base64');
  }

  it.each([
    ['1', 'RSA-SHA1'],
    ['2', 'RSA-SHA256'],
  ] as const)('verifies a Notification signed by hand, version %s', (version, algorithm) => {
    const message: SnsMessage = {
      ...NOTIFICATION,
      SignatureVersion: version,
      Signature: signByHand(NOTIFICATION_STRING_TO_SIGN, algorithm),
    };
    expect(verifySnsSignature(message, handCertificate)).toBe(true);
  });

  it.each([
    ['1', 'RSA-SHA1'],
    ['2', 'RSA-SHA256'],
  ] as const)(
    'verifies a SubscriptionConfirmation signed by hand and posted as JSON text, version %s',
    (version, algorithm) => {
      const body = SUBSCRIPTION_CONFIRMATION_JSON.replace(
        '"SignatureVersion" : "1"',
        `"SignatureVersion" : "${version}"`,
      ).replace(
        '"Signature" : "EXAMPLEpH+"',
        `"Signature" : "${signByHand(CONFIRMATION_STRING_TO_SIGN, algorithm)}"`,
      );
      expect(verifySnsSignature(parsed(body), handCertificate)).toBe(true);
    },
  );

  it('refuses a signature made with the other hash than SignatureVersion says', () => {
    const sha1 = signByHand(NOTIFICATION_STRING_TO_SIGN, 'RSA-SHA1');
    const sha256 = signByHand(NOTIFICATION_STRING_TO_SIGN, 'RSA-SHA256');
    expect(
      verifySnsSignature(
        { ...NOTIFICATION, SignatureVersion: '2', Signature: sha1 },
        handCertificate,
      ),
    ).toBe(false);
    expect(
      verifySnsSignature(
        { ...NOTIFICATION, SignatureVersion: '1', Signature: sha256 },
        handCertificate,
      ),
    ).toBe(false);
  });

  describe.each([1, 2] as const)('with the test helper, version %s', (version) => {
    it('verifies an untouched Notification and confirmations', () => {
      for (const Type of [
        'Notification',
        'SubscriptionConfirmation',
        'UnsubscribeConfirmation',
      ] as const) {
        expect(verifySnsSignature(signedSnsMessage({ Type }, { version }), helperCertificate)).toBe(
          true,
        );
      }
    });

    it.each(['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn'] as const)(
      'fails when the Notification %s is changed',
      (field) => {
        const message = signedSnsMessage(
          { Subject: 'Amazon SES Email Event Notification' },
          { version },
        );
        expect(verifySnsSignature(message, helperCertificate)).toBe(true);
        expect(
          verifySnsSignature({ ...message, [field]: `${message[field]}x` }, helperCertificate),
        ).toBe(false);
      },
    );

    it.each(['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn'] as const)(
      'fails when the SubscriptionConfirmation %s is changed',
      (field) => {
        const message = signedSnsMessage({ Type: 'SubscriptionConfirmation' }, { version });
        expect(
          verifySnsSignature({ ...message, [field]: `${message[field]}x` }, helperCertificate),
        ).toBe(false);
      },
    );

    it('fails when the Type is changed', () => {
      // Same signed field list, so only the Type value tells them apart.
      const confirmation = signedSnsMessage({ Type: 'SubscriptionConfirmation' }, { version });
      expect(
        verifySnsSignature({ ...confirmation, Type: 'UnsubscribeConfirmation' }, helperCertificate),
      ).toBe(false);
      const notification = signedSnsMessage({}, { version });
      expect(
        verifySnsSignature(
          { ...notification, Type: 'SubscriptionConfirmation' },
          helperCertificate,
        ),
      ).toBe(false);
    });

    it('tells a Subject that is absent from one that is present', () => {
      const without = signedSnsMessage({}, { version });
      expect(verifySnsSignature(without, helperCertificate)).toBe(true);
      expect(verifySnsSignature({ ...without, Subject: 'added' }, helperCertificate)).toBe(false);
      expect(verifySnsSignature({ ...without, Subject: '' }, helperCertificate)).toBe(false);

      const { Subject: _subject, ...removed } = signedSnsMessage({ Subject: 'hello' }, { version });
      expect(verifySnsSignature(removed, helperCertificate)).toBe(false);
    });

    it('does not cover UnsubscribeURL or SigningCertURL, which SNS leaves unsigned', () => {
      const message = signedSnsMessage({}, { version });
      expect(
        verifySnsSignature(
          { ...message, UnsubscribeURL: 'https://example.com/' },
          helperCertificate,
        ),
      ).toBe(true);
    });

    it('fails with a certificate for another key', () => {
      expect(verifySnsSignature(signedSnsMessage({}, { version }), otherCertificate)).toBe(false);
    });
  });

  it('fails for SignatureVersion 3 or a version switched after signing', () => {
    const message = signedSnsMessage({}, { version: 2 });
    expect(verifySnsSignature({ ...message, SignatureVersion: '3' }, helperCertificate)).toBe(
      false,
    );
    expect(verifySnsSignature({ ...message, SignatureVersion: '1' }, helperCertificate)).toBe(
      false,
    );
    expect(verifySnsSignature({ ...message, SignatureVersion: '' }, helperCertificate)).toBe(false);
  });

  it('fails, without throwing, for a PEM that is not a certificate or a Signature that is not base64', () => {
    const message = signedSnsMessage({}, { version: 1 });
    const publicKeyPem = handKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifySnsSignature(message, publicKeyPem)).toBe(false);
    expect(verifySnsSignature(message, 'not a certificate')).toBe(false);
    expect(verifySnsSignature(message, '')).toBe(false);
    expect(verifySnsSignature({ ...message, Signature: '' }, helperCertificate)).toBe(false);
    expect(
      verifySnsSignature({ ...message, Signature: `!${message.Signature}` }, helperCertificate),
    ).toBe(false);
    expect(verifySnsSignature({ ...message, Signature: 'c2ln' }, helperCertificate)).toBe(false);
  });
});

describe('checkSigningCertUrl', () => {
  const HEX = 'SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem';

  it.each([
    `https://sns.us-east-1.amazonaws.com/${HEX}`,
    `https://sns.eu-west-2.amazonaws.com/${HEX}`,
    `https://sns.ap-southeast-2.amazonaws.com/${HEX}`,
    `https://sns.us-gov-west-1.amazonaws.com/${HEX}`,
    `https://sns.cn-north-1.amazonaws.com.cn/${HEX}`,
    `https://sns.us-east-1.amazonaws.com:443/${HEX}`,
  ])('accepts %s', (url) => {
    expect(checkSigningCertUrl(url)).toBeNull();
  });

  it.each([
    ['http', `http://sns.us-east-1.amazonaws.com/${HEX}`, /uses http; expected https/],
    ['another scheme', `ftp://sns.us-east-1.amazonaws.com/${HEX}`, /uses ftp/],
    ['a suffix domain', `https://sns.us-east-1.amazonaws.com.evil.example/${HEX}`, /host/],
    ['S3', `https://s3.amazonaws.com/${HEX}`, /host "s3.amazonaws.com"/],
    [
      'a legacy S3 host a bucket named sns has',
      `https://sns.s3-external-1.amazonaws.com/${HEX}`,
      /host/,
    ],
    [
      'the SNS host in the path',
      `https://evil.com/sns.us-east-1.amazonaws.com/${HEX}`,
      /host "evil.com"/,
    ],
    [
      'the SNS host as user info',
      `https://sns.us-east-1.amazonaws.com@evil.example/${HEX}`,
      /user name/,
    ],
    [
      'user info before the SNS host',
      `https://user:pw@sns.us-east-1.amazonaws.com/${HEX}`,
      /user name/,
    ],
    ['another port', `https://sns.us-east-1.amazonaws.com:8443/${HEX}`, /port 8443/],
    ['another path', 'https://sns.us-east-1.amazonaws.com/evil.pem', /path "\/evil.pem"/],
    ['a nested path', `https://sns.us-east-1.amazonaws.com/x/${HEX}`, /path/],
    [
      'a non-hex name',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-xyz.pem',
      /path/,
    ],
    ['a .pem with a query', `https://sns.us-east-1.amazonaws.com/${HEX}?x=1`, /query/],
    ['an empty query', `https://sns.us-east-1.amazonaws.com/${HEX}?`, /query/],
    ['a fragment', `https://sns.us-east-1.amazonaws.com/${HEX}#x`, /fragment/],
    ['an uppercase host', `https://SNS.US-EAST-1.AMAZONAWS.COM/${HEX}`, /not written plainly/],
    ['an uppercase scheme', `HTTPS://sns.us-east-1.amazonaws.com/${HEX}`, /not written plainly/],
    [
      'an uppercase extension',
      `https://sns.us-east-1.amazonaws.com/${HEX.replace('.pem', '.PEM')}`,
      /path/,
    ],
    ['a lowercase file name', `https://sns.us-east-1.amazonaws.com/${HEX.toLowerCase()}`, /path/],
    ['an encoded path', `https://sns.us-east-1.amazonaws.com/%53${HEX.slice(1)}`, /path/],
    ['an IPv4 address', `https://52.94.233.1/${HEX}`, /host "52.94.233.1"/],
    ['an IPv6 address', `https://[::1]/${HEX}`, /host/],
    ['a backslash', `https://evil.example\\@sns.us-east-1.amazonaws.com/${HEX}`, /backslash/],
    ['a newline', `https://sns.us-east-1.amazon\naws.com/${HEX}`, /control/],
    ['a leading space', ` https://sns.us-east-1.amazonaws.com/${HEX}`, /spaces/],
    ['a look-alike Unicode host', `https://sns.us-east-1.amazonaws.cоm/${HEX}`, /non-ASCII/],
    ['a missing slash', `https:sns.us-east-1.amazonaws.com/${HEX}`, /not written plainly/],
    ['no region', `https://sns.amazonaws.com/${HEX}`, /host/],
    ['a trailing dot', `https://sns.us-east-1.amazonaws.com./${HEX}`, /host/],
    ['not a URL', 'sns.us-east-1.amazonaws.com', /is not a URL/],
    ['an empty string', '', /is not a URL/],
  ])('refuses %s', (_label, url, reason) => {
    expect(checkSigningCertUrl(url)).toMatch(reason);
  });

  it('refuses a value that is not a string', () => {
    expect(checkSigningCertUrl(undefined as unknown as string)).toMatch(/expected a string/);
  });
});

describe('checkSubscribeUrl', () => {
  it.each([
    'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f',
    'https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription&Token=abc',
    'https://sns.us-east-1.amazonaws.com/',
  ])('accepts %s', (url) => {
    expect(checkSubscribeUrl(url)).toBeNull();
  });

  it.each([
    ['http', 'http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription', /expected https/],
    ['another host', 'https://evil.example/?Action=ConfirmSubscription', /host/],
    ['a suffix domain', 'https://sns.us-east-1.amazonaws.com.evil.example/', /host/],
    ['user info', 'https://sns.us-east-1.amazonaws.com@evil.example/', /user name/],
    ['another port', 'https://sns.us-east-1.amazonaws.com:444/', /port 444/],
    ['an uppercase host', 'https://SNS.us-east-1.amazonaws.com/', /not written plainly/],
  ])('refuses %s', (_label, url, reason) => {
    expect(checkSubscribeUrl(url)).toMatch(reason);
  });
});
