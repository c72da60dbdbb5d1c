import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';

/** Where job contents are kept in the bucket; the lifecycle rule of docs/aws-setup.md expires it. */
export const JOB_CONTENT_PREFIX = 'ases/jobs/';

/** An S3 call not answered by then is given up; a job body may be some 15 MB. */
export const S3_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The key a job's content is stored under: `ases/jobs/<YYYY-MM-DD>/<id>/<random>`, the day (UTC)
 * first so that a listing by day shows what a cleanup may take; the id percent-encoded, since it
 * may hold `/` or characters S3 keys had better not; the random part makes every put a new key,
 * so a retried put never overwrites content a queued job still points at.
 */
export function jobContentKey(id: string, now: Date, random: string): string {
  return `${JOB_CONTENT_PREFIX}${now.toISOString().slice(0, 10)}/${encodeURIComponent(id)}/${random}`;
}

/**
 * The only owner of the S3 client: the claim-check of send jobs too large for an SQS message. The
 * job's content is put in the bucket, the queue carries its key, the sender gets it back and
 * deletes it once the message is done with.
 */
@Injectable()
export class JobContentStore implements OnApplicationShutdown {
  private readonly client?: S3Client;
  private readonly bucket?: string;

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.bucket = options.s3Bucket;
    if (this.bucket === undefined) {
      return;
    }
    const agent = { keepAlive: true, maxSockets: 50 };
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoints.s3,
      credentials: options.credentials,
      // Emulators and S3-compatible stores at a custom endpoint do not resolve
      // `<bucket>.<host>`; AWS itself still answers path-style requests.
      forcePathStyle: options.endpoints.s3 !== undefined,
      // Puts of a fresh key, gets and deletes are idempotent, and S3 is the durable copy: a few
      // quick retries ride out a dropped connection or a 503 SlowDown before the job is retried.
      maxAttempts: 3,
      requestHandler: {
        requestTimeout: S3_REQUEST_TIMEOUT_MS,
        connectionTimeout: 5_000,
        httpAgent: new HttpAgent(agent),
        httpsAgent: new HttpsAgent(agent),
      },
    });
  }

  /** Whether a bucket is configured (`s3Bucket`, `S3_BUCKET`). */
  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** Stores a job's content (UTF-8 JSON) under a new key, and resolves to that key. */
  async put(id: string, body: string): Promise<string> {
    const client = this.clientOrThrow();
    const key = jobContentKey(id, new Date(), randomBytes(12).toString('base64url'));
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: Buffer.from(body, 'utf8'),
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw this.failure(`PutObject ${key}`, error);
    }
    return key;
  }

  /** The content stored under `key`, or null when there is no such object (any more). */
  async get(key: string): Promise<string | null> {
    const client = this.clientOrThrow();
    try {
      const output = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (output.Body === undefined) {
        throw new Error('the answer has no body');
      }
      return await output.Body.transformToString('utf-8');
    } catch (error) {
      // Only a missing key: a missing bucket (NoSuchBucket) is a set-up error to report.
      if (error instanceof NoSuchKey || (error as { name?: unknown }).name === 'NoSuchKey') {
        return null;
      }
      throw this.failure(`GetObject ${key}`, error);
    }
  }

  /** Deletes the object under `key`; a key already gone is fine (S3 answers 204 either way). */
  async delete(key: string): Promise<void> {
    const client = this.clientOrThrow();
    try {
      await client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw this.failure(`DeleteObject ${key}`, error);
    }
  }

  onApplicationShutdown(): void {
    this.client?.destroy();
  }

  private clientOrThrow(): S3Client {
    if (this.client === undefined) {
      throw new Error('S3 (no bucket): s3Bucket (S3_BUCKET) is not set');
    }
    return this.client;
  }

  /** An error callers can log and retry on, naming the bucket and the call, without SDK types. */
  private failure(what: string, error: unknown): Error {
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : String(error);
    const detail = typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message;
    return new Error(`S3 (bucket ${this.bucket}): ${what}: ${detail}`, { cause: error });
  }
}
