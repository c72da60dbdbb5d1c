import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { MessageStatus } from '../message-status';

class SendErrorDto {
  @ApiProperty({ example: 'MessageRejected' }) code!: string;
  @ApiProperty() message!: string;
}

class BounceDto {
  @ApiProperty({ example: 'Permanent' }) type!: string;
  @ApiProperty({ example: 'General' }) subType!: string;
  @ApiPropertyOptional({ example: 'smtp; 550 5.1.1 user unknown' }) diagnosticCode?: string;
  @ApiPropertyOptional({ example: '5.1.1' }) status?: string;
}

class ComplaintDto {
  @ApiPropertyOptional({ example: 'abuse' }) feedbackType?: string;
  @ApiPropertyOptional({ example: 'OnAccountSuppressionList' }) subType?: string;
}

class DelayDto {
  @ApiProperty({ example: 'MailboxFull' }) type!: string;
  @ApiPropertyOptional() expiresAt?: string;
  @ApiPropertyOptional({ example: '4.2.2' }) status?: string;
  @ApiPropertyOptional() diagnosticCode?: string;
}

class BySourceDto {
  @ApiPropertyOptional({ description: "ases's own pixel and links" }) ases?: number;
  @ApiPropertyOptional({ description: "SES's open and click tracking" }) ses?: number;
}

class ByClassDto {
  @ApiPropertyOptional({ description: 'a person, by all signs' }) human?: number;
  @ApiPropertyOptional({ description: 'an image proxy (Apple MPP, Gmail, Yahoo)' }) proxy?: number;
  @ApiPropertyOptional({ description: 'a link scanner or bot' }) scanner?: number;
  @ApiPropertyOptional({ description: 'no or an unrecognised user agent' }) unknown?: number;
}

class TrackingCounterDto {
  @ApiProperty({ description: 'every hit, whoever made it' }) count!: number;
  @ApiProperty({ description: 'hits classified human' }) humanCount!: number;
  @ApiProperty() firstAt!: string;
  @ApiProperty() lastAt!: string;
  @ApiPropertyOptional({ description: 'the first human hit' }) firstHumanAt?: string;
  @ApiProperty({ type: BySourceDto }) bySource!: BySourceDto;
  @ApiProperty({ type: ByClassDto }) byClass!: ByClassDto;
}

class LinkClicksDto {
  @ApiProperty({ example: 'https://shop.example.com/offer' }) url!: string;
  @ApiProperty() count!: number;
  @ApiProperty() humanCount!: number;
  @ApiProperty() firstAt!: string;
  @ApiProperty() lastAt!: string;
}

class ClickCounterDto extends TrackingCounterDto {
  @ApiProperty({ description: 'different links (target URLs) clicked' }) uniqueLinks!: number;
  @ApiPropertyOptional({ type: [LinkClicksDto], description: 'most clicked first' })
  links?: LinkClicksDto[];
}

class HitDto {
  @ApiProperty({ enum: ['human', 'proxy', 'scanner', 'unknown'] }) class!: string;
  @ApiProperty({ example: 'browser', description: 'the classifier rule that decided' })
  rule!: string;
  @ApiPropertyOptional({ description: "position of the clicked link among ases's tracked links" })
  link?: number;
  @ApiPropertyOptional({ description: 'only with TRACKING_STORE_CLIENT=true' }) ip?: string;
  @ApiPropertyOptional({ description: 'only with TRACKING_STORE_CLIENT=true' }) userAgent?: string;
}

class TrackSettingsDto {
  @ApiProperty() opens!: boolean;
  @ApiProperty() clicks!: boolean;
}

class TimelineEventDto {
  @ApiProperty({
    example: 'bounce',
    description:
      'queued, scheduled, pushed, failed, suppressed, canceled, unsubscribed (ases) or send, ' +
      'reject, rendering-failure, ' +
      'delivery-delay, delivery, bounce, auto-reply, complaint, open, click, subscription (SES)',
  })
  type!: string;
  @ApiProperty() at!: string;
  @ApiPropertyOptional() recipient?: string;
  @ApiPropertyOptional({ maxLength: 200 }) detail?: string;
  @ApiPropertyOptional({ enum: ['ases', 'ses'] }) source?: string;
  @ApiPropertyOptional({ type: HitDto, description: 'opens and clicks' }) hit?: HitDto;
}

class RecipientStateDto {
  @ApiProperty({ example: 'jane@example.org', description: 'the bare address' }) address!: string;
  @ApiProperty({ enum: ['to', 'cc', 'bcc'] }) kind!: string;
  @ApiProperty({
    enum: MessageStatus,
    description: "this recipient's own status; with one recipient, the message's",
  })
  status!: MessageStatus;
  @ApiPropertyOptional({ description: 'when it reached that status' }) at?: string;
  @ApiPropertyOptional({ type: BounceDto, description: 'BOUNCED' }) bounce?: BounceDto;
  @ApiPropertyOptional({ type: ComplaintDto, description: 'COMPLAINED' })
  complaint?: ComplaintDto;
  @ApiPropertyOptional({ type: DelayDto, description: 'DELAYED' }) delay?: DelayDto;
  @ApiPropertyOptional({ type: SendErrorDto, description: 'FAILED, SUPPRESSED' })
  error?: SendErrorDto;
}

/** The answer of `GET /v1/messages/:id` (OpenAPI description of `MessageRecord`). */
export class MessageStatusDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: MessageStatus }) status!: MessageStatus;
  @ApiProperty() from!: string;
  @ApiProperty({ description: "the to mailboxes, joined by ', ' (empty in lean records)" })
  to!: string;
  @ApiPropertyOptional({ description: "the cc mailboxes, joined by ', '" }) cc?: string;
  @ApiPropertyOptional({ description: "the bcc mailboxes, joined by ', '" }) bcc?: string;
  @ApiProperty() subject!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  tags?: Record<string, string>;
  @ApiPropertyOptional({ example: 'newsletter', description: 'absent for transactional' })
  category?: string;
  @ApiPropertyOptional({
    type: TrackSettingsDto,
    description: 'the tracking put in its HTML (none for text-only mail)',
  })
  track?: TrackSettingsDto;
  @ApiProperty() queuedAt!: string;
  @ApiPropertyOptional({ description: 'not sent before this time (sendAt)' })
  scheduledFor?: string;
  @ApiPropertyOptional({ description: 'when it was canceled (CANCELED)' }) canceledAt?: string;
  @ApiPropertyOptional({ description: 'Sends tried so far; a retry of a FAILED message resets it' })
  attempts?: number;
  @ApiPropertyOptional() sesMessageId?: string;
  @ApiPropertyOptional() pushedAt?: string;
  @ApiPropertyOptional() delayedAt?: string;
  @ApiPropertyOptional({ type: DelayDto }) delay?: DelayDto;
  @ApiPropertyOptional() deliveredAt?: string;
  @ApiPropertyOptional() bouncedAt?: string;
  @ApiPropertyOptional({ type: BounceDto }) bounce?: BounceDto;
  @ApiPropertyOptional() complainedAt?: string;
  @ApiPropertyOptional({ type: ComplaintDto }) complaint?: ComplaintDto;
  @ApiPropertyOptional() failedAt?: string;
  @ApiPropertyOptional() suppressedAt?: string;
  @ApiPropertyOptional({ type: SendErrorDto }) error?: SendErrorDto;
  @ApiPropertyOptional({ type: TrackingCounterDto }) opens?: TrackingCounterDto;
  @ApiPropertyOptional({ type: ClickCounterDto }) clicks?: ClickCounterDto;
  @ApiPropertyOptional({
    type: [RecipientStateDto],
    description: 'each recipient (to, cc, bcc) and its own status; full records only',
  })
  recipients?: RecipientStateDto[];
  @ApiPropertyOptional({
    type: [TimelineEventDto],
    description: 'the latest 50 events, oldest first',
  })
  events?: TimelineEventDto[];
}

/** A page of `GET /v1/messages?status=FAILED`. */
export class FailedMessagesDto {
  @ApiProperty({
    type: [MessageStatusDto],
    description: 'Newest failure first, each with its timeline',
  })
  messages!: MessageStatusDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last' })
  nextCursor?: string;
}

class StaleInfoDto {
  @ApiProperty({
    enum: ['queued', 'pushed'],
    description:
      'queued: still QUEUED far longer than the send rate allows; pushed: still PUSHED or ' +
      'DELAYED (no Delivery, Bounce or Reject) STALE_AFTER_HOURS after the push',
  })
  reason!: string;
  @ApiProperty({ description: 'When it was queued (or queued again by a retry), or pushed' })
  since!: string;
  @ApiProperty({ description: 'When the sweep found it past its threshold' })
  staleAt!: string;
}

/** A message of `GET /v1/messages?status=STALE`: its record, and why it is stale. */
export class StaleMessageDto extends MessageStatusDto {
  @ApiProperty({ type: StaleInfoDto }) stale!: StaleInfoDto;
}

/** A page of `GET /v1/messages?status=STALE`. */
export class StaleMessagesDto {
  @ApiProperty({
    type: [StaleMessageDto],
    description: 'Newest stale first; each read again, so none has moved on since',
  })
  messages!: StaleMessageDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last' })
  nextCursor?: string;
}

/** How many messages are listed as stale (`GET /v1/sending`'s `stale`). */
export class StaleCountsDto {
  @ApiProperty({ description: 'QUEUED far longer than the send rate allows' }) queued!: number;
  @ApiProperty({ description: 'PUSHED or DELAYED with no outcome after STALE_AFTER_HOURS' })
  pushed!: number;
}

/** A message of a search page: its record as `GET /v1/messages/:id` shows it, without `events`. */
export class SearchedMessageDto extends OmitType(MessageStatusDto, ['events'] as const) {}

/** A page of `GET /v1/messages?status=&to=&tag=&since=&until=`. */
export class SearchMessagesDto {
  @ApiProperty({
    type: [SearchedMessageDto],
    description:
      'Newest queued first; each record read as the page is made (its status now), without its ' +
      'timeline (GET /v1/messages/:id has it)',
  })
  messages!: SearchedMessageDto[];

  @ApiPropertyOptional({
    description:
      'Pass as `cursor` (with the same filters) for the next page; absent on the last. A page ' +
      'that stopped at its read budget has one even when it holds fewer messages than `limit`',
  })
  nextCursor?: string;
}
