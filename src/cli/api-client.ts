import type {
  MessagePage,
  MessageRecord,
  Reputation,
  SendAnswer,
  SendingState,
  StatsAnswer,
  SuppressionEntry,
  SuppressionPage,
  WebhookAttempt,
  WebhookEndpoint,
} from './api-types';
import { ApiError, UnreachableError } from './cli-errors';

/** The one call the client makes: the shape of the global `fetch`, so tests can pass a fake. */
export type FetchPort = (url: string, init: RequestInit) => Promise<Response>;

/** Query parameters; a list repeats the parameter (`to=a&to=b`), undefined leaves it out. */
export type QueryParams = Record<string, string | number | string[] | undefined>;

/** How long one request may take before the server counts as unreachable. */
export const REQUEST_TIMEOUT_MS = 30_000;

interface Answer<T> {
  status: number;
  body: T;
}

/**
 * The CLI's only owner of HTTP to ases: builds the URLs under the base URL (which may carry a
 * path prefix, for a host app that mounts ases under one), sends the bearer key, and turns
 * error answers into `ApiError` and network failures into `UnreachableError`.
 */
export class AsesApiClient {
  constructor(
    private readonly baseUrl: URL,
    private readonly key: string,
    private readonly fetchPort: FetchPort = (url, init) => fetch(url, init),
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  /** `POST /v1/messages`. */
  async send(message: Record<string, unknown>): Promise<SendAnswer> {
    return (await this.call<SendAnswer>('POST', '/v1/messages', { body: message })).body;
  }

  /** `GET /v1/messages/:id` (an ases id or an SES message id). */
  async message(id: string): Promise<MessageRecord> {
    return (await this.call<MessageRecord>('GET', `/v1/messages/${encodeURIComponent(id)}`)).body;
  }

  /** `GET /v1/messages?…`: one page of a search or listing. */
  async findMessages(query: QueryParams): Promise<MessagePage> {
    return (await this.call<MessagePage>('GET', '/v1/messages', { query })).body;
  }

  /** `GET /v1/suppressions`: one page. */
  async suppressions(query: QueryParams): Promise<SuppressionPage> {
    return (await this.call<SuppressionPage>('GET', '/v1/suppressions', { query })).body;
  }

  /** `GET /v1/suppressions/:email`. */
  async suppression(email: string): Promise<SuppressionEntry> {
    return (await this.call<SuppressionEntry>('GET', suppressionPath(email))).body;
  }

  /** `PUT /v1/suppressions/:email`; `created` is false when an entry was replaced. */
  async suppress(
    email: string,
    input: { reason: string; category?: string },
  ): Promise<{ created: boolean; entry: SuppressionEntry }> {
    const answer = await this.call<SuppressionEntry>('PUT', suppressionPath(email), {
      body: input,
    });
    return { created: answer.status === 201, entry: answer.body };
  }

  /** `DELETE /v1/suppressions/:email[?category=]`. */
  async unsuppress(email: string, category?: string): Promise<void> {
    await this.call('DELETE', suppressionPath(email), { query: { category } });
  }

  /** `GET /v1/webhooks`. */
  async webhooks(): Promise<WebhookEndpoint[]> {
    return (await this.call<{ webhooks: WebhookEndpoint[] }>('GET', '/v1/webhooks')).body.webhooks;
  }

  /** `POST /v1/webhooks`: the answer holds the secret, this once. */
  async addWebhook(input: {
    url: string;
    events?: string[];
    description?: string;
  }): Promise<WebhookEndpoint> {
    return (await this.call<WebhookEndpoint>('POST', '/v1/webhooks', { body: input })).body;
  }

  /** `DELETE /v1/webhooks/:id`. */
  async removeWebhook(id: string): Promise<void> {
    await this.call('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`);
  }

  /** `POST /v1/webhooks/:id/test`: one attempt, now. */
  async testWebhook(id: string): Promise<WebhookAttempt> {
    return (await this.call<WebhookAttempt>('POST', `/v1/webhooks/${encodeURIComponent(id)}/test`))
      .body;
  }

  /** `GET /v1/sending`. */
  async sending(): Promise<SendingState> {
    return (await this.call<SendingState>('GET', '/v1/sending')).body;
  }

  /** `GET /v1/stats` of a range, per minute or per hour. */
  async stats(query: { resolution: 'minute' | 'hour'; since: string }): Promise<StatsAnswer> {
    return (await this.call<StatsAnswer>('GET', '/v1/stats', { query })).body;
  }

  /** `GET /v1/reputation`. */
  async reputation(): Promise<Reputation> {
    return (await this.call<Reputation>('GET', '/v1/reputation')).body;
  }

  /** The URL of `path` (`/v1/...`) under the base URL, with its query. */
  urlOf(path: string, query: QueryParams = {}): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    url.search = '';
    for (const [name, value] of Object.entries(query)) {
      for (const each of value === undefined ? [] : [value].flat()) {
        url.searchParams.append(name, String(each));
      }
    }
    return url;
  }

  private async call<T = unknown>(
    method: string,
    path: string,
    { body, query }: { body?: unknown; query?: QueryParams } = {},
  ): Promise<Answer<T>> {
    const url = this.urlOf(path, query);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.key}`,
      accept: 'application/json',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetchPort(url.href, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw unreachable(url, error, this.timeoutMs);
    }
    const parsed = parseBody(text);
    if (!response.ok) {
      throw apiError(response, parsed);
    }
    return { status: response.status, body: parsed as T };
  }
}

function suppressionPath(email: string): string {
  return `/v1/suppressions/${encodeURIComponent(email)}`;
}

function parseBody(text: string): unknown {
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

// ases answers `{ statusCode, code, message }`; a proxy in front of it, or a route Nest does not
// know, may answer anything else, so fall back to the HTTP status and the body's first line.
function apiError(response: Response, body: unknown): ApiError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof fields.code === 'string' ? fields.code : `HTTP_${response.status}`;
  const message =
    typeof fields.message === 'string'
      ? fields.message
      : Array.isArray(fields.message)
        ? fields.message.map(String).join('; ')
        : typeof body === 'string' && body.trim() !== ''
          ? body.trim().split('\n')[0].slice(0, 200)
          : `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, message, body);
}

function unreachable(url: URL, error: unknown, timeoutMs: number): UnreachableError {
  // A DOMException (the signal's reason), which is not an Error in every realm: known by name.
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new UnreachableError(`no answer from ${url.origin} within ${timeoutMs / 1000} s`);
  }
  // undici's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, ...). Read by
  // shape: errors made in another realm (a test sandbox) are not `instanceof Error` here.
  const failure = (error ?? {}) as {
    message?: unknown;
    cause?: { code?: unknown; message?: unknown };
  };
  const reason =
    typeof failure.cause?.code === 'string'
      ? failure.cause.code
      : typeof failure.cause?.message === 'string'
        ? failure.cause.message
        : typeof failure.message === 'string'
          ? failure.message
          : String(error);
  return new UnreachableError(`cannot reach ${url.origin}: ${reason}`);
}
