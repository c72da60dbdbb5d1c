import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import type {
  HitDetails,
  TimelineEvent,
  TrackingSource,
  TrackSettings,
} from '../status/message-record';
import type { SendTimes, TrackingHit } from '../status/status.repository';
import { StatusService } from '../status/status.service';
import { classifyHit } from './hit-classifier';
import { insertOpenPixel } from './html-instrumenter';
import { rewriteLinks } from './link-rewriter';
import {
  isTrackableUrl,
  LinkTarget,
  signLinkToken,
  signTrackingToken,
  verifyLinkToken,
  verifyTrackingToken,
} from './tracking-token';

/** Path of the open pixel under the tracking base URL; the token follows, then `.gif`. */
export const OPEN_PIXEL_PATH = 't/o';
/** Path of tracked links under the tracking base URL; the token follows. */
export const CLICK_PATH = 't/c';

/** The request that made a hit, as the classifier and (optionally) the timeline see it. */
export interface HitRequest {
  /** HTTP method; `GET` for SES's events. */
  method: string;
  userAgent?: string;
  ip?: string;
  at: Date;
}

/** What a send request asks for; absent fields take the service defaults. */
export interface TrackRequest {
  opens?: boolean | null;
  clicks?: boolean | null;
}

/** The parts of a status update that count one open or click. */
export type HitUpdate = { tracking: TrackingHit; event: TimelineEvent };

/**
 * Open and click tracking: puts a signed pixel and signed links into HTML mail, and records each
 * hit with its class (human, proxy, scanner, unknown), from ases's endpoints or SES's events.
 */
@Injectable()
export class TrackingService {
  constructor(
    private readonly status: StatusService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** The tracking a message gets: the request's choice, else the defaults; none without HTML. */
  settingsFor(request: TrackRequest | null | undefined, hasHtml: boolean): TrackSettings {
    if (!hasHtml) {
      return { opens: false, clicks: false };
    }
    return {
      opens: request?.opens ?? this.options.tracking.opens,
      clicks: request?.clicks ?? this.options.tracking.clicks,
    };
  }

  /** The pixel URL of a message. */
  pixelUrl(messageId: string): string {
    const token = signTrackingToken('o', messageId, this.options.tracking.secret);
    return `${this.options.tracking.baseUrl}/${OPEN_PIXEL_PATH}/${token}.gif`;
  }

  /** The tracked URL of one link of a message. */
  linkUrl(target: LinkTarget): string {
    const token = signLinkToken(target, this.options.tracking.secret);
    return `${this.options.tracking.baseUrl}/${CLICK_PATH}/${token}`;
  }

  /** The HTML with the message's tracked links and open pixel in it, as `settings` say. */
  instrumentHtml(messageId: string, html: string, settings: TrackSettings): string {
    let result = html;
    if (settings.clicks) {
      const own = `${this.options.tracking.baseUrl}/t/`;
      result = rewriteLinks(result, ({ index, url }) =>
        // A link already through our endpoints, or too long for a token, stays as it is.
        url.startsWith(own) || !isTrackableUrl(url)
          ? null
          : this.linkUrl({ messageId, index, url }),
      ).html;
    }
    return settings.opens ? insertOpenPixel(result, this.pixelUrl(messageId)) : result;
  }

  /**
   * Counts an open for a pixel token. A forged or altered token, or one for an expired record,
   * records nothing; returns whether an open was counted.
   */
  async recordOpen(token: string, request: HitRequest): Promise<boolean> {
    const messageId = verifyTrackingToken('o', token, this.options.tracking.secret);
    if (messageId === null) {
      return false;
    }
    const update = await this.hitUpdate(messageId, 'open', 'ases', request);
    const result = await this.status.update(messageId, update);
    return result.outcome !== 'missing';
  }

  /** The link a click token stands for, or null when the token is not genuine. */
  linkOf(token: string): LinkTarget | null {
    return verifyLinkToken(token, this.options.tracking.secret);
  }

  /** Counts a click of a genuine link; returns whether it was counted (false: record expired). */
  async recordClick(link: LinkTarget, request: HitRequest): Promise<boolean> {
    const update = await this.hitUpdate(link.messageId, 'click', 'ases', request, link);
    const result = await this.status.update(link.messageId, update);
    return result.outcome !== 'missing';
  }

  /**
   * The counters and timeline entry of one hit of a message, classified; the client's IP and
   * user agent go in only with `storeClient`. A click (`click` given) reads the message's push
   * and delivery times first, for the scanner rule; an open needs no read. Feedback uses it for
   * SES's Open and Click events, so both sources land in the same fields.
   */
  async hitUpdate(
    messageId: string,
    kind: 'open' | 'click',
    source: TrackingSource,
    request: HitRequest,
    click?: { url: string; index?: number },
  ): Promise<HitUpdate> {
    const times: SendTimes = click === undefined ? {} : await this.status.sendTimes(messageId);
    const at = request.at.toISOString();
    const { class: hitClass, rule } = classifyHit(
      {
        kind,
        method: request.method,
        userAgent: request.userAgent,
        ip: request.ip,
        at: request.at.getTime(),
        pushedAt: epochOf(times.pushedAt),
        deliveredAt: epochOf(times.deliveredAt),
      },
      this.options.tracking.scannerWindowMs,
    );
    const hit: HitDetails = { class: hitClass, rule };
    if (click?.index !== undefined) {
      hit.link = click.index;
    }
    if (this.options.tracking.storeClient) {
      if (request.ip !== undefined) {
        hit.ip = request.ip;
      }
      if (request.userAgent !== undefined) {
        hit.userAgent = request.userAgent;
      }
    }
    const event: TimelineEvent = { type: kind, at, source, hit };
    if (click) {
      event.detail = click.url;
    }
    const tracking: TrackingHit = { kind, source, at, class: hitClass };
    if (click) {
      tracking.url = click.url;
    }
    return { tracking, event };
  }
}

function epochOf(iso: string | undefined): number | undefined {
  if (iso === undefined) {
    return undefined;
  }
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : time;
}
