import {
  Controller,
  Get,
  HttpCode,
  Logger,
  Post,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { ApiErrors, ApiKeyRoutes, sizeOf, STORE_UNAVAILABLE } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { InjectAsesOptions } from '../core/ases.tokens';
import { QueueDirectory } from '../core/queue-directory';
import { UnreadBodyError, lingerThenClose } from '../core/request-body';
import {
  FeedbackSource,
  FeedbackSourceStats,
  FeedbackStatsRepository,
} from './feedback-stats.repository';
import { FeedbackService } from './feedback.service';
import { parseFeedbackMessage } from './ses-notification.parser';
import { SnsMessageVerifier } from './sns-message.verifier';
import { MAX_SNS_BODY_BYTES, readSnsBody } from './sns-request-body';

/** How long after the mail was sent an event for an unknown SES id is worth a retry by SNS. */
const UNKNOWN_MESSAGE_RETRY_WINDOW_MS = 15 * 60_000;

/** What the SNS endpoint answers when it took a message. */
export interface SnsEndpointAnswer {
  ok: true;
  /** What became of it: `applied`, `duplicate`, `subscription-confirmed`, `expired`… */
  outcome: string;
}

/**
 * `POST /v1/feedback/sns`: SNS's HTTPS subscription endpoint, an alternative to the feedback
 * queues, guarded by SNS's signature instead of an API key; `GET /v1/feedback/stats`.
 */
@ApiTags('feedback')
@Controller('v1/feedback')
@UseFilters(AsesExceptionFilter)
export class FeedbackController {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly feedback: FeedbackService,
    private readonly verifier: SnsMessageVerifier,
    private readonly stats: FeedbackStatsRepository,
    private readonly queues: QueueDirectory,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  @Post('sns')
  @HttpCode(200)
  @ApiConsumes('text/plain', 'application/json')
  @ApiOperation({
    summary: "SNS's HTTPS subscription endpoint for SES events (signed by SNS, no API key)",
  })
  @ApiOkResponse({
    description:
      'Signed SNS message (Notification, SubscriptionConfirmation, UnsubscribeConfirmation), at ' +
      'most 300 KiB. Answers `{ ok: true, outcome }`.',
  })
  @ApiErrors({
    400: '`INVALID_REQUEST`: not a well-formed SNS message',
    403:
      '`FORBIDDEN` with `check`: a bad signature or certificate URL, or a topic not in ' +
      'SNS_TOPIC_ARNS',
    408: '`REQUEST_TIMEOUT`: the body stalled or took too long to arrive',
    413: `\`PAYLOAD_TOO_LARGE\` with \`limit\` (in bytes): a body over ${sizeOf(MAX_SNS_BODY_BYTES)}`,
    503:
      '`RETRY_LATER`: asks SNS to retry (an event racing the send it is about, or a ' +
      `subscription not confirmed yet); ${STORE_UNAVAILABLE}`,
  })
  async sns(@Req() request: Request): Promise<SnsEndpointAnswer> {
    const body = await readSnsBody(request).catch(async (error: unknown) => {
      if (error instanceof UnreadBodyError) {
        lingerThenClose(request);
      }
      await this.stats.count('sns-https', ['malformed']);
      throw error;
    });
    const verification = await this.verifier.verify(body);
    if (!verification.ok) {
      await this.stats.count('sns-https', [
        verification.kind === 'malformed'
          ? 'malformed'
          : verification.kind === 'topic'
            ? 'forbiddenTopics'
            : 'signatureFailures',
      ]);
      this.logger.warn(
        `sns-https: refused a message (${verification.kind}): ${verification.reason}`,
      );
      throw new AsesException(
        verification.status === 400 ? AsesErrorCode.INVALID_REQUEST : AsesErrorCode.FORBIDDEN,
        verification.reason,
        { check: verification.kind },
      );
    }
    const { message } = verification;
    if (message.Type === 'SubscriptionConfirmation') {
      await this.stats.count('sns-https', ['subscriptions']);
      if (!this.options.sns.confirmSubscriptions) {
        this.logger.log(
          `sns-https: SubscriptionConfirmation for ${message.TopicArn} not confirmed ` +
            '(SNS_CONFIRM_SUBSCRIPTIONS=false); confirm it yourself',
        );
        return { ok: true, outcome: 'subscription-not-confirmed' };
      }
      await this.verifier.confirmSubscription(message).catch((error: unknown) => {
        throw new AsesException(
          AsesErrorCode.RETRY_LATER,
          `could not confirm the subscription: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      this.logger.log(`sns-https: confirmed the subscription to ${message.TopicArn}`);
      return { ok: true, outcome: 'subscription-confirmed' };
    }
    const parsed = parseFeedbackMessage(JSON.stringify(message));
    const recent =
      parsed.kind === 'notification' &&
      Date.now() - Date.parse(parsed.notification.mailTimestamp ?? parsed.notification.timestamp) <
        UNKNOWN_MESSAGE_RETRY_WINDOW_MS;
    const receipt = await this.feedback.receive(
      parsed,
      'sns-https',
      recent,
      `SNS message ${message.MessageId}`,
    );
    if (receipt.result === 'retry') {
      // SNS retries an HTTPS delivery that fails, with its delivery policy's backoff.
      throw new AsesException(AsesErrorCode.RETRY_LATER, `${receipt.reason}; retry later`);
    }
    return { ok: true, outcome: receipt.outcome };
  }

  @Get('stats')
  @UseGuards(ApiKeyGuard)
  @ApiKeyRoutes()
  @ApiOperation({ summary: 'What each feedback source (queue or SNS HTTPS) has received' })
  @ApiOkResponse({
    description:
      '`{ sources: { <queue role or sns-https>: { lastEventAt, events, applied, duplicates, ' +
      'poison, unknownMessage, expired, … } } }`',
  })
  async statsOf(): Promise<{ sources: Record<string, FeedbackSourceStats> }> {
    const sources: FeedbackSource[] = [
      ...this.queues.roles.flatMap((role) => (role === 'sendmail' ? [] : [role])),
      'sns-https',
    ];
    return { sources: await this.stats.read(sources) };
  }
}
