import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { StatusService } from '../status/status.service';
import { insertOpenPixel } from './html-instrumenter';
import { signTrackingToken, verifyTrackingToken } from './tracking-token';

/** Path of the open pixel under the tracking base URL; the token follows, then `.gif`. */
export const OPEN_PIXEL_PATH = 't/o';

/** Open tracking: puts a signed pixel into HTML mail, and counts the pixel's loads. */
@Injectable()
export class TrackingService {
  constructor(
    private readonly status: StatusService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** The pixel URL of a message. */
  pixelUrl(messageId: string): string {
    const token = signTrackingToken('o', messageId, this.options.tracking.secret);
    return `${this.options.tracking.baseUrl}/${OPEN_PIXEL_PATH}/${token}.gif`;
  }

  /** The HTML with the message's open pixel in it. */
  instrumentHtml(messageId: string, html: string): string {
    return insertOpenPixel(html, this.pixelUrl(messageId));
  }

  /**
   * Counts an open for a pixel token. A forged or altered token, or one for an expired record,
   * records nothing; returns whether an open was counted.
   */
  async recordOpen(token: string, at = new Date()): Promise<boolean> {
    const messageId = verifyTrackingToken('o', token, this.options.tracking.secret);
    if (messageId === null) {
      return false;
    }
    const when = at.toISOString();
    const result = await this.status.update(messageId, {
      tracking: { kind: 'open', source: 'ases', at: when },
      event: { type: 'open', at: when, source: 'ases' },
    });
    return result.outcome !== 'missing';
  }
}
