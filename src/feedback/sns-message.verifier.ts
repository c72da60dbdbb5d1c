import { X509Certificate } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SnsHttpsClient } from './sns-https.client';
import {
  SnsMessage,
  checkSigningCertUrl,
  checkSubscribeUrl,
  isSupportedSignatureVersion,
  parseSnsMessage,
  verifySnsSignature,
} from './sns-signature';

/** Why a body was refused: which check failed. */
export type SnsVerificationFailure =
  'malformed' | 'topic' | 'certificate-url' | 'certificate' | 'signature';

/** The outcome of `SnsMessageVerifier.verify`: the trusted message, or the HTTP status and reason. */
export type SnsVerification =
  | { ok: true; message: SnsMessage }
  | { ok: false; status: 400 | 403; reason: string; kind: SnsVerificationFailure };

/** Longest TopicArn quoted back in a reason; the value is the sender's, not ours. */
const MAX_QUOTED_LENGTH = 120;

/**
 * Decides whether a body posted to the SNS endpoint really comes from SNS for one of our topics:
 * parse, topic allowlist, certificate URL rule, certificate (fetched once per URL and cached),
 * signature. Constructed by a factory: `(client, topicArns, cacheLimit = 100)`.
 */
@Injectable()
export class SnsMessageVerifier {
  private readonly topicArns: ReadonlySet<string>;
  /** Certificates by URL, oldest use first (a Map keeps insertion order). */
  private readonly certificates = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly client: SnsHttpsClient,
    topicArns: string[],
    private readonly cacheLimit = 100,
  ) {
    this.topicArns = new Set(topicArns);
  }

  /** Checks a posted body; never throws. 400 for a body that is not an SNS message, else 403. */
  async verify(body: unknown): Promise<SnsVerification> {
    const parsed = parseSnsMessage(body);
    if (!parsed.ok) {
      return { ok: false, status: 400, kind: 'malformed', reason: parsed.reason };
    }
    const message = parsed.message;

    // Checked before any fetch, so a stranger's topic costs us no request to AWS.
    if (this.topicArns.size === 0) {
      return {
        ok: false,
        status: 403,
        kind: 'topic',
        reason: 'no SNS topic is allowed to post here; set SNS_TOPIC_ARNS to the topic ARNs',
      };
    }
    if (!this.topicArns.has(message.TopicArn)) {
      return {
        ok: false,
        status: 403,
        kind: 'topic',
        reason: `TopicArn ${quote(message.TopicArn)} is not one of the topics in SNS_TOPIC_ARNS`,
      };
    }

    const urlProblem = checkSigningCertUrl(message.SigningCertURL);
    if (urlProblem !== null) {
      return { ok: false, status: 403, kind: 'certificate-url', reason: urlProblem };
    }

    // A version we cannot check is refused before it costs a certificate request.
    if (!isSupportedSignatureVersion(message.SignatureVersion)) {
      return {
        ok: false,
        status: 403,
        kind: 'signature',
        reason: `SignatureVersion ${quote(message.SignatureVersion)} is not supported; expected "1" or "2"`,
      };
    }

    let certificate: string;
    try {
      certificate = await this.certificate(message.SigningCertURL);
    } catch (error) {
      return {
        ok: false,
        status: 403,
        kind: 'certificate',
        reason: `cannot use the signing certificate at ${message.SigningCertURL}: ${errorMessage(error)}`,
      };
    }

    if (!verifySnsSignature(message, certificate)) {
      return {
        ok: false,
        status: 403,
        kind: 'signature',
        reason: `Signature does not match the message (SignatureVersion ${message.SignatureVersion})`,
      };
    }
    return { ok: true, message };
  }

  /**
   * Confirms a verified SubscriptionConfirmation by visiting its SubscribeURL. Rejects another
   * message type (an UnsubscribeConfirmation's SubscribeURL would re-subscribe), a SubscribeURL
   * that is not an SNS URL, or a failed request.
   */
  async confirmSubscription(message: SnsMessage): Promise<void> {
    if (message.Type !== 'SubscriptionConfirmation') {
      throw new Error(
        `cannot confirm a ${message.Type} message; expected SubscriptionConfirmation`,
      );
    }
    const url = message.SubscribeURL;
    if (url === undefined) {
      throw new Error('SubscriptionConfirmation has no SubscribeURL');
    }
    const problem = checkSubscribeUrl(url);
    if (problem !== null) {
      throw new Error(problem);
    }
    await this.client.get(url);
  }

  private certificate(url: string): Promise<string> {
    const cached = this.certificates.get(url);
    if (cached !== undefined) {
      // Move to the end: the least recently used certificate is the one evicted.
      this.certificates.delete(url);
      this.certificates.set(url, cached);
      return Promise.resolve(cached);
    }
    // SNS may post a burst of messages signed with a certificate we have not seen yet; they
    // share one request instead of each fetching it.
    let pending = this.pending.get(url);
    if (pending === undefined) {
      pending = this.fetchCertificate(url).finally(() => this.pending.delete(url));
      this.pending.set(url, pending);
    }
    return pending;
  }

  private async fetchCertificate(url: string): Promise<string> {
    const pem = await this.client.get(url);
    try {
      new X509Certificate(pem);
    } catch {
      // Not cached: the next message retries the fetch, in case this was a bad answer.
      throw new Error('the response is not a PEM X.509 certificate');
    }
    if (this.cacheLimit > 0) {
      while (this.certificates.size >= this.cacheLimit) {
        const oldest = this.certificates.keys().next().value;
        if (oldest === undefined) {
          break;
        }
        this.certificates.delete(oldest);
      }
      this.certificates.set(url, pem);
    }
    return pem;
  }
}

function quote(value: string): string {
  return JSON.stringify(
    value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}...` : value,
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
