import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { errorMessage, silentLogger, type LocalStackLogger } from './local-logger';
import {
  addressesOf,
  bareAddress,
  headerValue,
  parseHeaderBlock,
  splitAddressList,
  type MailHeader,
} from './mail-headers';
import {
  NotificationTopicsRegistry,
  SES_NOTIFICATION_KINDS,
  type SesNotificationKind,
} from './notification-topics.registry';
import {
  accessKeyIdFromAuthorization,
  memberList,
  messageIdFromXml,
  messageTags,
  sesErrorXml,
  sesResponseXml,
  xmlEscape,
  type SesMessageTag,
} from './ses-query';
import { newSesMessageId } from './ses-message-id';
import { deferMailHtml } from './viewer-page';

/** A mail the SES emulator accepted, as the mailbox simulator needs it. */
export interface SentMail {
  /** The MessageId SendRawEmail / SendEmail answered. */
  sesMessageId: string;
  /** Envelope sender: the Source parameter, or the address in the From header. */
  source: string;
  /** Bare recipient addresses: Destinations / Destination.*, or the MIME To, Cc and Bcc. */
  destinations: string[];
  subject: string;
  /** When the send request arrived, ISO 8601. */
  timestamp: string;
  /** Top-level headers of the message (synthesised for SendEmail). */
  headers: MailHeader[];
  /** Address of the client that sent the request. */
  sourceIp: string;
  /** Access key id the request was signed with, if any. */
  callerIdentity?: string;
}

/** Options of {@link LocalSesServer}. */
export interface LocalSesServerOptions {
  /** Port of the SES endpoint; 0 picks a free one. */
  port: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Per-identity notification topics. Default: a new, empty registry. */
  registry?: NotificationTopicsRegistry;
  /** Called after each successful SendRawEmail / SendEmail, off the request path. */
  onMailSent?: (mail: SentMail) => void | Promise<void>;
  /** Default: silent. */
  logger?: LocalStackLogger;
  /** SendRawEmail mails whose envelope and headers `/store` shows (the latest). Default 1000. */
  rememberedMails?: number;
}

interface StoredEmail {
  messageId: string;
  subject?: string;
  destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
  envelope?: string[];
  headers?: MailHeader[];
  configurationSet?: string;
  tags?: SesMessageTag[];
}

/** What `/store` adds to a SendRawEmail mail, which aws-ses-v2-local keeps from the MIME only. */
interface RawMailExtras {
  /** The Destinations in neither To nor Cc; unset when the request named no Destinations. */
  bcc?: string[];
  /** Every Destination (bare addresses): who SES was asked to deliver to, headers aside. */
  envelope?: string[];
  /** The top-level header fields as sent, unfolded. */
  headers: MailHeader[];
  configurationSet?: string;
  tags?: SesMessageTag[];
}

// The proxy buffers a send request: SendRawEmail takes a 10 MB message, some 14 MB in a form.
const MAX_BODY_BYTES = 30 * 1024 * 1024;
/** What GetSendQuota answers locally: a production account's limits, generous for development. */
export const LOCAL_SEND_QUOTA = { maxSendRate: 100, max24HourSend: 50_000 };
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

/**
 * The local SES endpoint: a small proxy in front of aws-ses-v2-local (viewer, `/store`, SES v1
 * and v2 API) that adds the identity notification settings aws-ses-v2-local lacks
 * (`SetIdentityNotificationTopic`, `GetIdentityNotificationAttributes`) and reports every mail sent.
 */
export class LocalSesServer {
  /** The notification topics set through `SetIdentityNotificationTopic`. */
  readonly registry: NotificationTopicsRegistry;
  private readonly logger: LocalStackLogger;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly pendingReports = new Set<Promise<void>>();
  /** When each accepted send arrived, for GetSendQuota's SentLast24Hours. */
  private readonly sentAt: number[] = [];
  /** Per SES message id, in send order, the latest `rememberedMails` only. */
  private readonly extras = new Map<string, RawMailExtras>();
  private server?: http.Server;
  private backend?: http.Server;
  private backendPort = 0;

  constructor(private readonly options: LocalSesServerOptions) {
    this.registry = options.registry ?? new NotificationTopicsRegistry();
    this.logger = options.logger ?? silentLogger;
  }

  /** The port the SES endpoint listens on (after `start`). */
  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') {
      throw new Error('LocalSesServer is not started');
    }
    return address.port;
  }

  /** The SES endpoint URL, e.g. `http://127.0.0.1:8005` (after `start`). */
  get url(): string {
    const host = this.options.host ?? '127.0.0.1';
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${this.port}`;
  }

  /** Starts aws-ses-v2-local on a free loopback port, then the SES endpoint in front of it. */
  async start(): Promise<void> {
    // A devDependency: loaded only when a local stack is actually started.
    const { default: startSesBackend } = await import('aws-ses-v2-local');
    await useSesMessageIds();
    const backend = await startSesBackend({ host: '127.0.0.1', port: 0 });
    this.backend = backend;
    this.backendPort = (backend.address() as AddressInfo).port;
    const server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await closeServer(backend);
      this.backend = undefined;
      throw error;
    }
    this.server = server;
  }

  /** Stops accepting requests, lets pending reports finish, then stops the backend. */
  async stop(): Promise<void> {
    const { server, backend } = this;
    this.server = undefined;
    this.backend = undefined;
    if (server) {
      await closeServer(server);
    }
    while (this.pendingReports.size > 0) {
      await Promise.allSettled([...this.pendingReports]);
    }
    if (backend) {
      await closeServer(backend);
    }
    this.agent.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'POST' && path === '/') {
        await this.handleQuery(req, res, await readBody(req));
      } else if (req.method === 'GET' && path === '/store') {
        await this.serveStore(req, res);
      } else if (req.method === 'GET' && path === '/') {
        await this.serveViewer(res);
      } else {
        const upstream = await this.forward(req);
        res.writeHead(upstream.statusCode ?? 502, endToEndHeaders(upstream.headers));
        await pipeline(upstream, res);
      }
    } catch (error) {
      this.logger.warn(`local SES: ${req.method} ${req.url}: ${errorMessage(error)}`);
      if (res.headersSent) {
        res.destroy();
      } else {
        const tooLarge = error instanceof BodyTooLargeError;
        res.writeHead(tooLarge ? 413 : 502, { 'content-type': 'text/plain' });
        res.end(`local SES: ${errorMessage(error)}`);
      }
    }
  }

  /** The SES v1 query API (`POST /`, form-encoded, `Action=...`). */
  private async handleQuery(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
  ): Promise<void> {
    const form = (req.headers['content-type'] ?? '').startsWith(
      'application/x-www-form-urlencoded',
    );
    const params = new URLSearchParams(form ? body.toString('utf8') : '');
    const action = params.get('Action') ?? '';
    if (action === 'SendEmail' || action === 'SendRawEmail') {
      return this.proxySend(req, res, body, params, action);
    }
    if (!(req.headers.authorization ?? '').startsWith('AWS')) {
      return replyXml(
        res,
        403,
        sesErrorXml('MissingAuthenticationToken', 'Request is missing Authentication Token'),
      );
    }
    switch (action) {
      case 'SetIdentityNotificationTopic':
        return this.setIdentityNotificationTopic(res, params);
      case 'GetIdentityNotificationAttributes':
        return this.getIdentityNotificationAttributes(res, params);
      case 'GetSendQuota':
        return this.getSendQuota(res);
      default:
        // aws-ses-v2-local never answers an action it does not know: the request would hang.
        return replyXml(
          res,
          400,
          sesErrorXml(
            'InvalidAction',
            `The action ${action || '(none)'} is not implemented by the local SES endpoint`,
          ),
        );
    }
  }

  private setIdentityNotificationTopic(res: http.ServerResponse, params: URLSearchParams): void {
    const identity = params.get('Identity')?.trim();
    const kind = params.get('NotificationType') as SesNotificationKind | null;
    const topicArn = params.get('SnsTopic')?.trim() || undefined;
    if (!identity) {
      return replyXml(res, 400, sesErrorXml('ValidationError', 'Identity is required'));
    }
    if (!kind || !SES_NOTIFICATION_KINDS.includes(kind)) {
      return replyXml(
        res,
        400,
        sesErrorXml(
          'InvalidParameterValue',
          `NotificationType must be one of ${SES_NOTIFICATION_KINDS.join(', ')}, got "${kind ?? ''}"`,
        ),
      );
    }
    if (topicArn && !/^arn:aws[a-z-]*:sns:/.test(topicArn)) {
      return replyXml(
        res,
        400,
        sesErrorXml(
          'InvalidParameterValue',
          `SnsTopic must be an SNS topic ARN (arn:aws:sns:...), got "${topicArn}"`,
        ),
      );
    }
    this.registry.set(identity, kind, topicArn);
    this.logger.log(`local SES: ${kind} notifications of ${identity} -> ${topicArn ?? '(none)'}`);
    replyXml(res, 200, sesResponseXml('SetIdentityNotificationTopic'));
  }

  private getSendQuota(res: http.ServerResponse): void {
    const dayAgo = Date.now() - 86_400_000;
    while (this.sentAt.length > 0 && this.sentAt[0] < dayAgo) {
      this.sentAt.shift();
    }
    replyXml(
      res,
      200,
      sesResponseXml(
        'GetSendQuota',
        `<Max24HourSend>${LOCAL_SEND_QUOTA.max24HourSend}</Max24HourSend>` +
          `<MaxSendRate>${LOCAL_SEND_QUOTA.maxSendRate}</MaxSendRate>` +
          `<SentLast24Hours>${this.sentAt.length}</SentLast24Hours>`,
      ),
    );
  }

  private getIdentityNotificationAttributes(
    res: http.ServerResponse,
    params: URLSearchParams,
  ): void {
    // Every identity counts as verified locally, so each one asked about gets an entry.
    const entries = memberList(params, 'Identities').map((identity) => {
      const topics = this.registry.get(identity);
      const topicXml = SES_NOTIFICATION_KINDS.map((kind) =>
        topics[kind] ? `<${kind}Topic>${xmlEscape(topics[kind])}</${kind}Topic>` : '',
      ).join('');
      return (
        `<entry><key>${xmlEscape(identity)}</key><value>` +
        topicXml +
        '<ForwardingEnabled>true</ForwardingEnabled>' +
        // The simulator always includes the original headers in its notifications.
        '<HeadersInBounceNotificationsEnabled>true</HeadersInBounceNotificationsEnabled>' +
        '<HeadersInComplaintNotificationsEnabled>true</HeadersInComplaintNotificationsEnabled>' +
        '<HeadersInDeliveryNotificationsEnabled>true</HeadersInDeliveryNotificationsEnabled>' +
        '</value></entry>'
      );
    });
    replyXml(
      res,
      200,
      sesResponseXml(
        'GetIdentityNotificationAttributes',
        `<NotificationAttributes>${entries.join('')}</NotificationAttributes>`,
      ),
    );
  }

  /** Proxies a send, answers the client, then reports the sent mail in the background. */
  private async proxySend(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    params: URLSearchParams,
    action: 'SendEmail' | 'SendRawEmail',
  ): Promise<void> {
    const receivedAt = new Date();
    const upstream = await this.forward(req, body);
    const answer = await readBody(upstream);
    const messageId = upstream.statusCode === 200 ? messageIdFromXml(answer.toString()) : undefined;
    if (messageId && action === 'SendRawEmail') {
      // Before the answer: a client reading `/store` right after its send sees them.
      this.remember(messageId, rawMailExtras(params));
    }
    res.writeHead(upstream.statusCode ?? 502, endToEndHeaders(upstream.headers));
    res.end(answer);
    if (messageId) {
      this.sentAt.push(receivedAt.getTime());
    }
    if (!messageId || !this.options.onMailSent) {
      return;
    }
    const onMailSent = this.options.onMailSent;
    const report = (async () => {
      const mail = await this.describeSent(action, params, messageId, receivedAt, req);
      await onMailSent(mail);
    })().catch((error: unknown) => {
      this.logger.warn(`local SES: reporting ${messageId} failed: ${errorMessage(error)}`);
    });
    this.pendingReports.add(report);
    void report.finally(() => this.pendingReports.delete(report));
  }

  private async describeSent(
    action: 'SendEmail' | 'SendRawEmail',
    params: URLSearchParams,
    sesMessageId: string,
    receivedAt: Date,
    req: http.IncomingMessage,
  ): Promise<SentMail> {
    const common = {
      sesMessageId,
      timestamp: receivedAt.toISOString(),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      callerIdentity: accessKeyIdFromAuthorization(req.headers.authorization),
    };
    if (action === 'SendEmail') {
      const source = params.get('Source') ?? '';
      const to = memberList(params, 'Destination.ToAddresses');
      const cc = memberList(params, 'Destination.CcAddresses');
      const bcc = memberList(params, 'Destination.BccAddresses');
      const subject = params.get('Message.Subject.Data') ?? '';
      const headers: MailHeader[] = [
        { name: 'From', value: source },
        ...(to.length > 0 ? [{ name: 'To', value: to.join(', ') }] : []),
        ...(cc.length > 0 ? [{ name: 'Cc', value: cc.join(', ') }] : []),
        { name: 'Subject', value: subject },
        { name: 'Date', value: receivedAt.toUTCString() },
        { name: 'MIME-Version', value: '1.0' },
      ];
      return {
        ...common,
        source: bareAddress(source),
        destinations: [...to, ...cc, ...bcc].map(bareAddress),
        subject,
        headers,
      };
    }
    const raw = Buffer.from(params.get('RawMessage.Data') ?? '', 'base64').toString('utf8');
    const headers = parseHeaderBlock(raw);
    const from = headerValue(headers, 'From') ?? '';
    const source = bareAddress(params.get('Source') || (splitAddressList(from)[0] ?? ''));
    let destinations = memberList(params, 'Destinations').map(bareAddress);
    let subject = headerValue(headers, 'Subject') ?? '';
    // The backend's record has the recipients and the subject decoded from the MIME message.
    const stored = await this.findStored(sesMessageId, Math.floor(receivedAt.getTime() / 1000));
    if (stored) {
      // Only when the mail has a Subject: the backend stores "(no subject)" for none.
      if (subject && stored.subject) {
        subject = stored.subject;
      }
      if (destinations.length === 0) {
        const { to = [], cc = [], bcc = [] } = stored.destination ?? {};
        destinations = addressesOf([...to, ...cc, ...bcc]);
      }
    }
    if (destinations.length === 0) {
      destinations = addressesOf(['To', 'Cc', 'Bcc'].map((name) => headerValue(headers, name)));
    }
    return { ...common, source, destinations, subject, headers };
  }

  private remember(messageId: string, extras: RawMailExtras): void {
    this.extras.set(messageId, extras);
    const limit = this.options.rememberedMails ?? 1000;
    for (const oldest of this.extras.keys()) {
      if (this.extras.size <= limit) {
        break;
      }
      this.extras.delete(oldest);
    }
  }

  /**
   * The backend's `/store`, each SendRawEmail mail it remembers completed with what the backend
   * cannot know from the MIME: the Bcc recipients (Destinations), the headers as sent, the
   * configuration set and the tags.
   */
  private async serveStore(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const upstream = await this.forward(req);
    // Unbounded: the answer holds every attachment kept, base64-encoded.
    const body = await readBody(upstream, Infinity);
    let store: { emails?: StoredEmail[] } | undefined;
    if (upstream.statusCode === 200) {
      try {
        store = JSON.parse(body.toString('utf8')) as { emails?: StoredEmail[] };
      } catch {
        store = undefined;
      }
    }
    if (!store || !Array.isArray(store.emails)) {
      res.writeHead(upstream.statusCode ?? 502, endToEndHeaders(upstream.headers));
      res.end(body);
      return;
    }
    for (const email of store.emails) {
      const extras = this.extras.get(email.messageId);
      if (!extras) {
        continue;
      }
      if (extras.bcc) {
        email.destination = { ...email.destination, bcc: extras.bcc };
      }
      if (extras.envelope) {
        email.envelope = extras.envelope;
      }
      email.headers = extras.headers;
      if (extras.configurationSet !== undefined) {
        email.configurationSet = extras.configurationSet;
      }
      if (extras.tags) {
        email.tags = extras.tags;
      }
    }
    const json = JSON.stringify(store);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  }

  /**
   * The backend's viewer page, changed to load a mail's HTML only when the reader opens it: as
   * it comes, it loads every listed mail's HTML, so each page load fetched the open pixel of
   * every mail listed and ases counted opens nobody made.
   */
  private async serveViewer(res: http.ServerResponse): Promise<void> {
    // Fetched afresh, not forwarded: the client's conditional headers could get a bare 304.
    const response = await this.getFromBackend('/');
    const body = await readBody(response);
    if (response.statusCode !== 200) {
      res.writeHead(response.statusCode ?? 502, endToEndHeaders(response.headers));
      res.end(body);
      return;
    }
    const page = deferMailHtml(body.toString('utf8'));
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(page),
      'cache-control': 'no-store',
    });
    res.end(page);
  }

  /** The backend's `/store` record of a mail sent at or after `sinceSeconds`. */
  private async findStored(
    messageId: string,
    sinceSeconds: number,
  ): Promise<StoredEmail | undefined> {
    const response = await this.getFromBackend(`/store?since=${sinceSeconds}`);
    const body = await readBody(response, Infinity);
    if (response.statusCode !== 200) {
      return undefined;
    }
    const store = JSON.parse(body.toString('utf8')) as { emails?: StoredEmail[] };
    return store.emails?.find((email) => email.messageId === messageId);
  }

  private getFromBackend(path: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: this.backendPort, path, agent: this.agent }, resolve)
        .on('error', reject);
    });
  }

  /** Sends a request on to aws-ses-v2-local: the buffered body, or the request stream. */
  private forward(req: http.IncomingMessage, body?: Buffer): Promise<http.IncomingMessage> {
    const headers: http.OutgoingHttpHeaders = { ...endToEndHeaders(req.headers) };
    headers.host = `127.0.0.1:${this.backendPort}`;
    if (body) {
      headers['content-length'] = String(body.length);
    } else if (req.headers['transfer-encoding']) {
      headers['transfer-encoding'] = req.headers['transfer-encoding'];
    }
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: this.backendPort,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        resolve,
      );
      upstream.on('error', reject);
      if (body) {
        upstream.end(body);
      } else {
        req.pipe(upstream);
      }
    });
  }
}

class BodyTooLargeError extends Error {}

/**
 * Makes aws-ses-v2-local give every mail an SES-shaped id (see `newSesMessageId`) instead of its
 * `ses-` + 9 random digits, which collide about once in 20 000 sends. Its v1 SendEmail and
 * SendRawEmail and v2 SendEmail handlers all call `getMessageId` of its `dist/util` module when a
 * mail arrives, and store the mail under the id they answer, so the answer, `/store`, the viewer
 * and the notifications (which take the answered id) all carry the same one. Its exports are
 * plain properties, read at each call; this is the one place that depends on that.
 */
async function useSesMessageIds(): Promise<void> {
  const util: { getMessageId: () => string } = await import('aws-ses-v2-local/dist/util');
  if (util.getMessageId === newSesMessageId) {
    return;
  }
  try {
    util.getMessageId = newSesMessageId;
  } catch {
    // Fails below with the explanation.
  }
  if (util.getMessageId !== newSesMessageId) {
    throw new Error(
      'aws-ses-v2-local/dist/util must export a replaceable getMessageId for the local SES to ' +
        'answer SES-shaped message ids; check the installed aws-ses-v2-local version',
    );
  }
}

/**
 * What `/store` adds to a SendRawEmail: the headers as sent, the Destinations the To and Cc
 * headers do not name (so Bcc, which a raw message does not carry), the configuration set and
 * the tags.
 */
function rawMailExtras(params: URLSearchParams): RawMailExtras {
  const headers = parseHeaderBlock(headerBlockOf(params.get('RawMessage.Data') ?? ''));
  const extras: RawMailExtras = { headers };
  const destinations = memberList(params, 'Destinations').map(bareAddress);
  if (destinations.length > 0) {
    extras.envelope = [...new Set(destinations)].filter((address) => address !== '');
    const visible = new Set(
      addressesOf([headerValue(headers, 'To'), headerValue(headers, 'Cc')]).map((address) =>
        address.toLowerCase(),
      ),
    );
    extras.bcc = [...new Set(destinations)].filter(
      (address) => address !== '' && !visible.has(address.toLowerCase()),
    );
  }
  const configurationSet = params.get('ConfigurationSetName');
  if (configurationSet) {
    extras.configurationSet = configurationSet;
  }
  const tags = messageTags(params);
  if (tags.length > 0) {
    extras.tags = tags;
  }
  return extras;
}

/** The header block of a base64 MIME message, without decoding the (maybe 10 MB) body as text. */
function headerBlockOf(base64: string): string {
  const raw = Buffer.from(base64, 'base64');
  const ends = [raw.indexOf('\r\n\r\n'), raw.indexOf('\n\n')].filter((index) => index >= 0);
  return raw.subarray(0, ends.length > 0 ? Math.min(...ends) : raw.length).toString('utf8');
}

async function readBody(stream: NodeJS.ReadableStream, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit) {
      throw new BodyTooLargeError(`body larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const copy: http.OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) {
    delete copy[name];
  }
  return copy;
}

function replyXml(res: http.ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

/** Closes a server: idle keep-alive connections at once, busy ones after a short grace period. */
async function closeServer(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 1000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
