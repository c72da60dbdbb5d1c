import { Injectable } from '@nestjs/common';

/**
 * The port through which SNS verification reaches AWS: fetches a signing certificate or visits a
 * SubscribeURL, and resolves with the response body. Rejects with a readable Error otherwise.
 */
export interface SnsHttpsClient {
  get(url: string): Promise<string>;
}

/** Injection token for the `SnsHttpsClient` used by `SnsMessageVerifier`. */
export const SNS_HTTPS_CLIENT = 'ases:sns-https-client';

/** How long `FetchSnsHttpsClient` waits for a whole response: 5 s. */
export const SNS_HTTPS_TIMEOUT_MS = 5_000;
/** Largest body `FetchSnsHttpsClient` reads: 64 KiB (an SNS certificate is under 2 KiB). */
export const SNS_HTTPS_MAX_BODY_BYTES = 64 * 1024;

/** `SnsHttpsClient` over the global fetch: https only, no redirects, 5 s timeout, 64 KiB cap. */
@Injectable()
export class FetchSnsHttpsClient implements SnsHttpsClient {
  async get(url: string): Promise<string> {
    // The caller checks the URL against the SNS host rule; this is the last line if one forgets.
    if (!url.startsWith('https://')) {
      throw new Error(`refusing to GET ${url}: expected an https:// URL`);
    }
    let response: Response;
    try {
      // A redirect could lead away from the SNS host the URL was checked against.
      response = await fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(SNS_HTTPS_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(`GET ${url} failed: ${describeFetchError(error)}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET ${url} answered HTTP ${response.status}; expected 2xx`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (declared > SNS_HTTPS_MAX_BODY_BYTES) {
      await response.body?.cancel();
      throw new Error(
        `GET ${url} declares ${declared} bytes; expected at most ${SNS_HTTPS_MAX_BODY_BYTES}`,
      );
    }
    try {
      return await readCapped(response, url);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        throw new Error(error.message);
      }
      throw new Error(`GET ${url} failed while reading the body: ${describeFetchError(error)}`);
    }
  }
}

class BodyTooLarge extends Error {}

// Content-Length may be absent or lie, so count the bytes as they arrive.
async function readCapped(response: Response, url: string): Promise<string> {
  if (response.body === null) {
    return '';
  }
  // undici types the body as ReadableStream<any>; fetch bodies are always bytes.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > SNS_HTTPS_MAX_BODY_BYTES) {
      await reader.cancel();
      throw new BodyTooLarge(
        `GET ${url} sent more than ${SNS_HTTPS_MAX_BODY_BYTES} bytes; expected a small body`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') {
      return `no answer within ${SNS_HTTPS_TIMEOUT_MS} ms`;
    }
    // undici hides the network reason (DNS, TLS, refused, redirect) in `cause`.
    const cause: unknown = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
