import { X509Certificate, verify } from 'node:crypto';

/** The three message types SNS posts to an HTTP/S subscription. */
export type SnsMessageType =
  'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/**
 * The JSON body SNS posts to an HTTP/S endpoint (SNS developer guide, "Parsing message formats").
 * Fields SNS may add later are dropped; a `null` optional field is read as absent.
 */
export interface SnsMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  /** Notifications only, and only when the publisher gave one. */
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  /** Also read from the legacy spelling `SigningCertUrl`. */
  SigningCertURL: string;
  /** SubscriptionConfirmation and UnsubscribeConfirmation only. */
  SubscribeURL?: string;
  /** SubscriptionConfirmation and UnsubscribeConfirmation only. */
  Token?: string;
  /** Notifications only; not signed. */
  UnsubscribeURL?: string;
}

/** What `parseSnsMessage` makes of a request body. */
export type SnsMessageParse = { ok: true; message: SnsMessage } | { ok: false; reason: string };

const MESSAGE_TYPES: readonly SnsMessageType[] = [
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
];

/** Longest piece of an untrusted value quoted back in a reason, so a hostile body makes no huge log line. */
const MAX_QUOTED_LENGTH = 80;

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}...` : text;
  return JSON.stringify(cut);
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'missing';
  }
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Reads the JSON body SNS posted. Accepts the parsed object or the raw text: SNS sends
 * `Content-Type: text/plain; charset=UTF-8` by default, so a JSON body parser may leave the body
 * as a string (or not parse it at all). Checks the fields each `Type` requires; never throws.
 */
export function parseSnsMessage(body: unknown): SnsMessageParse {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString('utf8')) as unknown;
    } catch {
      return { ok: false, reason: 'body is not JSON; expected the SNS message as a JSON object' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `body is ${describe(value)}; expected a JSON object` };
  }
  const fields = value as Record<string, unknown>;

  const type = fields.Type;
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      reason: `Type is ${typeof type === 'string' ? quote(type) : describe(type)}; expected one of ${MESSAGE_TYPES.join(', ')}`,
    };
  }

  const problems: string[] = [];
  const required = (name: string, allowEmpty = false): string => {
    const field = fields[name];
    if (typeof field !== 'string') {
      problems.push(`${name} is ${describe(field)}; expected a string`);
      return '';
    }
    if (!allowEmpty && field === '') {
      problems.push(`${name} is empty`);
    }
    return field;
  };
  const optional = (name: string): string | undefined => {
    const field = fields[name];
    if (field === undefined || field === null) {
      return undefined;
    }
    if (typeof field !== 'string') {
      problems.push(`${name} is ${describe(field)}; expected a string when present`);
      return undefined;
    }
    return field;
  };

  const message: SnsMessage = {
    Type: type as SnsMessageType,
    MessageId: required('MessageId'),
    TopicArn: required('TopicArn'),
    // An empty Message is still a signed value; only its presence matters here.
    Message: required('Message', true),
    Timestamp: required('Timestamp'),
    SignatureVersion: required('SignatureVersion'),
    Signature: required('Signature'),
    SigningCertURL: '',
  };

  // SNS spells it SigningCertURL; older docs and the Lambda event shape say SigningCertUrl.
  const before = problems.length;
  const upper = optional('SigningCertURL');
  const legacy = optional('SigningCertUrl');
  const certUrl = upper ?? legacy;
  if (upper !== undefined && legacy !== undefined && upper !== legacy) {
    problems.push('SigningCertURL and SigningCertUrl differ; expected one certificate URL');
  } else if (certUrl === undefined || certUrl === '') {
    if (problems.length === before) {
      problems.push(`SigningCertURL is ${certUrl === '' ? 'empty' : 'missing'}; expected a URL`);
    }
  } else {
    message.SigningCertURL = certUrl;
  }

  if (type === 'Notification') {
    const subject = optional('Subject');
    if (subject !== undefined) {
      message.Subject = subject;
    }
    const unsubscribeUrl = optional('UnsubscribeURL');
    if (unsubscribeUrl !== undefined) {
      message.UnsubscribeURL = unsubscribeUrl;
    }
  } else {
    message.SubscribeURL = required('SubscribeURL');
    message.Token = required('Token');
  }

  if (problems.length > 0) {
    return { ok: false, reason: `${type} message: ${problems.join('; ')}` };
  }
  return { ok: true, message };
}

/**
 * The string SNS signs: the listed fields in byte order, each as "Name\nvalue\n". Notifications
 * sign Message, MessageId, Subject (only when present), Timestamp, TopicArn and Type;
 * confirmations sign Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn and Type.
 */
export function snsCanonicalString(message: SnsMessage): string {
  // The field lists come from the SNS developer guide's "Verifying the signatures" page. Its
  // current JSON-format pages say confirmations sign the same five fields as a notification;
  // they do not: SubscribeURL and Token are signed too.
  const pairs: [string, string | undefined][] =
    message.Type === 'Notification'
      ? [
          ['Message', message.Message],
          ['MessageId', message.MessageId],
          ['Subject', message.Subject],
          ['Timestamp', message.Timestamp],
          ['TopicArn', message.TopicArn],
          ['Type', message.Type],
        ]
      : [
          ['Message', message.Message],
          ['MessageId', message.MessageId],
          ['SubscribeURL', message.SubscribeURL ?? ''],
          ['Timestamp', message.Timestamp],
          ['Token', message.Token ?? ''],
          ['TopicArn', message.TopicArn],
          ['Type', message.Type],
        ];
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `${name}\n${value}\n`)
    .join('');
}

// A region name as AWS writes them: us-east-1, eu-west-2, us-gov-west-1, cn-north-1. The first
// part is letters only, so legacy S3 hosts such as sns.s3-external-1.amazonaws.com (a bucket
// anybody could have named "sns") do not pass.
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;
const SIGNING_CERT_PATH = /^\/SimpleNotificationService-[0-9a-f]+\.pem$/;

/** Checks scheme, authority and host of a URL SNS gave us; returns the parsed URL or the reason. */
function checkSnsUrl(field: string, url: unknown): URL | string {
  if (typeof url !== 'string') {
    return `${field} is ${describe(url)}; expected a string`;
  }
  // The URL parser quietly drops tabs and newlines, trims spaces and reads "\" as "/"; refuse
  // anything it would rewrite so the URL we check is the URL as written.
  if (/[^\x21-\x7e]|\\/.test(url)) {
    return `${field} ${quote(url)} contains spaces, control, non-ASCII or backslash characters`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${field} ${quote(url)} is not a URL`;
  }
  if (parsed.protocol !== 'https:') {
    return `${field} ${quote(url)} uses ${parsed.protocol.replace(/:$/, '')}; expected https`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return `${field} ${quote(url)} carries a user name or password; expected none`;
  }
  if (parsed.port !== '') {
    return `${field} ${quote(url)} names port ${parsed.port}; expected the default 443`;
  }
  if (!SNS_HOST.test(parsed.hostname)) {
    return `${field} host ${quote(parsed.hostname)} is not sns.<region>.amazonaws.com or sns.<region>.amazonaws.com.cn`;
  }
  // The parser lowercases the host and removes an explicit :443; require the host as written
  // to be that same lowercase name, so one certificate has one spelling (and one cache entry).
  const rest = url.slice('https://'.length);
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  if (
    !url.startsWith('https://') ||
    (authority !== parsed.hostname && authority !== `${parsed.hostname}:443`)
  ) {
    return `${field} ${quote(url)} is not written plainly as https://${parsed.hostname}/...`;
  }
  if (parsed.hash !== '' || url.includes('#')) {
    return `${field} ${quote(url)} has a fragment; expected none`;
  }
  return parsed;
}

/**
 * Checks that a SigningCertURL points at an SNS certificate: https, host exactly
 * sns.<region>.amazonaws.com(.cn), no user info, no port other than 443, and path
 * /SimpleNotificationService-<hex>.pem without query. Returns null when acceptable, else the reason.
 */
export function checkSigningCertUrl(url: string): string | null {
  const parsed = checkSnsUrl('SigningCertURL', url);
  if (typeof parsed === 'string') {
    return parsed;
  }
  if (url.includes('?')) {
    return `SigningCertURL ${quote(url)} has a query; expected none`;
  }
  if (!SIGNING_CERT_PATH.test(parsed.pathname)) {
    return `SigningCertURL path ${quote(parsed.pathname)} is not /SimpleNotificationService-<hex>.pem`;
  }
  return null;
}

/**
 * Checks that a SubscribeURL is the SNS ConfirmSubscription action: https on an SNS host (same
 * rule as the certificate URL), any path and query. Returns null when acceptable, else the reason.
 */
export function checkSubscribeUrl(url: string): string | null {
  const parsed = checkSnsUrl('SubscribeURL', url);
  return typeof parsed === 'string' ? parsed : null;
}

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1': 'RSA-SHA1',
  '2': 'RSA-SHA256',
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The SignatureVersions `verifySnsSignature` knows. */
export function isSupportedSignatureVersion(version: string): boolean {
  return Object.prototype.hasOwnProperty.call(SIGNATURE_ALGORITHMS, version);
}

/**
 * Checks the message's Signature against the canonical string with the certificate's public key:
 * SignatureVersion "1" is SHA1withRSA, "2" is SHA256withRSA. Returns false for anything else,
 * including a PEM that is not an X.509 certificate; never throws.
 */
export function verifySnsSignature(message: SnsMessage, certificatePem: string): boolean {
  try {
    if (!isSupportedSignatureVersion(message.SignatureVersion)) {
      return false;
    }
    // Buffer.from(…, 'base64') skips characters it does not know; a signature is plain base64.
    if (message.Signature === '' || !BASE64.test(message.Signature)) {
      return false;
    }
    const publicKey = new X509Certificate(certificatePem).publicKey;
    if (publicKey.asymmetricKeyType !== 'rsa') {
      return false;
    }
    return verify(
      SIGNATURE_ALGORITHMS[message.SignatureVersion],
      Buffer.from(snsCanonicalString(message), 'utf8'),
      publicKey,
      Buffer.from(message.Signature, 'base64'),
    );
  } catch {
    return false;
  }
}
