/**
 * Plays the part of SNS for tests: signs HTTP/S message bodies the way the SNS developer guide
 * describes ("Verifying the signatures of Amazon SNS messages") with a test key, and serves the
 * matching self-signed certificate through a fake `SnsHttpsClient`.
 */
import { KeyObject, createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { generate } from 'selfsigned';
import type { SnsHttpsClient } from '../../src/feedback/sns-https.client';
import {
  SnsMessage,
  SnsMessageType,
  checkSigningCertUrl,
  checkSubscribeUrl,
} from '../../src/feedback/sns-signature';

/** The topic the signed messages come from unless a test names another. */
export const TEST_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ases-feedback';
/** The SigningCertURL the signed messages carry unless a test names another. */
export const TEST_SIGNING_CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem';

/** The fields a test may set; everything else gets a documented-looking default. */
export interface SnsMessageFields {
  Type?: SnsMessageType;
  MessageId?: string;
  TopicArn?: string;
  Subject?: string;
  Message?: string;
  Timestamp?: string;
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

/** How to sign: SignatureVersion 1 (SHA1withRSA, the SNS default) or 2 (SHA256withRSA). */
export interface SignOptions {
  version?: 1 | 2;
  certUrl?: string;
}

/** A fake SNS endpoint client, with every URL it was asked for in order. */
export interface FakeSnsHttpsClient extends SnsHttpsClient {
  readonly requests: string[];
}

let keyPair: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
let certificate: Promise<string> | undefined;

// Generated once per test process: RSA key generation takes a noticeable moment.
function testKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  keyPair ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keyPair;
}

/** The self-signed X.509 certificate (PEM) of the key `signedSnsMessage` signs with. */
export function testCertificatePem(): Promise<string> {
  certificate ??= generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
    algorithm: 'sha256',
    keyPair: {
      privateKey: testKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey: testKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  }).then((pems) => pems.cert);
  return certificate;
}

function regionOf(topicArn: string): string {
  return topicArn.split(':')[3] || 'us-east-1';
}

// Written out from the guide rather than taken from src, so a mistake there is not repeated here.
function stringToSign(body: SnsMessage): string {
  const names =
    body.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const values = body as unknown as Record<string, string | undefined>;
  return names
    .filter((name) => values[name] !== undefined)
    .map((name) => `${name}\n${values[name]}\n`)
    .join('');
}

/**
 * A complete SNS HTTP/S body, signed with the test key: a Notification unless `fields.Type`
 * says otherwise. Send it as JSON text (SNS uses Content-Type text/plain).
 */
export function signedSnsMessage(
  fields: SnsMessageFields = {},
  options: SignOptions = {},
): SnsMessage {
  const type = fields.Type ?? 'Notification';
  const topicArn = fields.TopicArn ?? TEST_TOPIC_ARN;
  const host = `sns.${regionOf(topicArn)}.amazonaws.com`;
  const version = options.version ?? 1;
  const body: SnsMessage = {
    Type: type,
    MessageId: fields.MessageId ?? randomUUID(),
    TopicArn: topicArn,
    Message: '',
    Timestamp: fields.Timestamp ?? new Date().toISOString(),
    SignatureVersion: String(version),
    Signature: '',
    SigningCertURL: options.certUrl ?? TEST_SIGNING_CERT_URL,
  };
  if (type === 'Notification') {
    body.Message = fields.Message ?? '{"notificationType":"Delivery"}';
    if (fields.Subject !== undefined) {
      body.Subject = fields.Subject;
    }
    body.UnsubscribeURL =
      fields.UnsubscribeURL ??
      `https://${host}/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${randomUUID()}`;
  } else {
    const token = fields.Token ?? randomBytes(64).toString('hex');
    body.Token = token;
    body.SubscribeURL =
      fields.SubscribeURL ??
      `https://${host}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`;
    body.Message =
      fields.Message ??
      (type === 'SubscriptionConfirmation'
        ? `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
        : `You have chosen to deactivate subscription ${topicArn}:${randomUUID()}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`);
  }
  const signer = createSign(version === 1 ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(stringToSign(body), 'utf8');
  body.Signature = signer.sign(testKeyPair().privateKey, 'base64');
  return body;
}

/**
 * A fake `SnsHttpsClient`: answers `extra[url]` when given, the test certificate for any valid
 * SigningCertURL, a ConfirmSubscriptionResponse for any valid SubscribeURL, and rejects anything
 * else. Records every URL it was asked for in `requests`.
 */
export function fakeSnsHttpsClient(extra: Record<string, string> = {}): FakeSnsHttpsClient {
  const requests: string[] = [];
  return {
    requests,
    get(url: string): Promise<string> {
      requests.push(url);
      if (Object.prototype.hasOwnProperty.call(extra, url)) {
        return Promise.resolve(extra[url]);
      }
      if (checkSigningCertUrl(url) === null) {
        return testCertificatePem();
      }
      if (checkSubscribeUrl(url) === null) {
        return Promise.resolve(
          `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${TEST_TOPIC_ARN}:${randomUUID()}</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`,
        );
      }
      return Promise.reject(new Error(`fake SNS client: no answer for ${url}`));
    },
  };
}
