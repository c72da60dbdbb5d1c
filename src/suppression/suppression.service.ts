import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { ASES_EVENTS, SuppressionEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { InjectAsesEvents, InjectAsesOptions } from '../core/ases.tokens';
import { decodeCursor, encodeCursor, suppressionKeyOf } from './suppressed-address';
import {
  AddressSuppressions,
  CategoryUnsubscribe,
  MAIL_CATEGORY_PATTERN,
  NewSuppression,
  SUPPRESSION_SOURCES,
  SuppressResult,
  SuppressionEntry,
  SuppressionPage,
  isMailCategory,
} from './suppression-entry';
import { unsubscribeEntry } from './unsubscribe-field';
import { SuppressionRepository } from './suppression.repository';
import { transientBounceReason } from './transient-bounce.rule';

/** Default page size of {@link SuppressionService.list}. */
export const DEFAULT_SUPPRESSION_PAGE = 100;
/** Largest page size of {@link SuppressionService.list}. */
export const MAX_SUPPRESSION_PAGE = 1000;

/**
 * The suppression list: addresses ases refuses to send to, because they bounced, complained,
 * bounced softly too often, or were put there by hand (all mail), or unsubscribed from a category
 * of mail (that category only). Every method taking an address accepts `addr` or `Name <addr>`
 * and throws INVALID_REQUEST (naming `email`) for anything else; the domain is compared
 * case-insensitively, the local part exactly.
 */
@Injectable()
export class SuppressionService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly repository: SuppressionRepository,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
    @Optional() @InjectAsesEvents() private readonly events?: EventEmitter2,
  ) {}

  /** The entry that suppresses `address` for all mail, or null (unsubscribes are not looked at). */
  async find(address: string): Promise<SuppressionEntry | null> {
    return await this.repository.find(keyOf(address));
  }

  /**
   * Everything the list holds about `address`: its entry (all mail) and the categories it
   * unsubscribed from; null when it holds nothing.
   */
  async findAll(address: string): Promise<AddressSuppressions | null> {
    const found = await this.repository.findAll(keyOf(address));
    return found.entry === null && found.unsubscribes.length === 0 ? null : found;
  }

  /**
   * The recipients of a message of `category` that may not be mailed, each with the entry that
   * keeps it from mail (see {@link findBlocking}), keyed by the mailbox as given; empty when all
   * may be mailed.
   */
  async blockedAmong(
    mailboxes: readonly string[],
    category: string,
  ): Promise<Map<string, SuppressionEntry>> {
    const entries = await this.findBlocking(mailboxes, category);
    const byKey = new Map(entries.map((entry) => [entry.email, entry]));
    const blocked = new Map<string, SuppressionEntry>();
    for (const mailbox of mailboxes) {
      const entry = byKey.get(suppressionKeyOf(mailbox) ?? '');
      if (entry) {
        blocked.set(mailbox, entry);
      }
    }
    return blocked;
  }

  /**
   * The entries that keep any of `addresses` from getting mail of `category`: an entry for all
   * mail, or else the address's unsubscribe from `category`; [] when every address may be mailed.
   * Each entry's `email` is the suppression key of the address it blocks (compare with
   * `suppressionKeyOf(address)`); an address given twice is looked up once. One Redis call per
   * distinct address, all sent together (one round trip). INVALID_REQUEST naming `email` or
   * `category` for an address or category that is none.
   */
  async findBlocking(addresses: readonly string[], category: string): Promise<SuppressionEntry[]> {
    checkCategory(category);
    const keys = [...new Set(addresses.map(keyOf))];
    return keys.length === 0 ? [] : await this.repository.findBlocking(keys, category);
  }

  /** Throws RECIPIENT_SUPPRESSED (with `email`, `reason`, `since`) when `address` is suppressed. */
  async assertSendable(address: string): Promise<void> {
    const entry = await this.find(address);
    if (entry) {
      throw new AsesException(
        AsesErrorCode.RECIPIENT_SUPPRESSED,
        `${entry.email} is on the suppression list: ${entry.reason}`,
        { email: entry.email, reason: entry.reason, since: entry.since },
      );
    }
  }

  /**
   * Puts an address on the list: for all mail, or, with source `unsubscribe` and a `category`,
   * for that category only (a category is required for `unsubscribe` and refused otherwise). An
   * entry already there is kept (with its `since`) unless `replace` is set (default: only for
   * source `manual`): then it is replaced (reason, source, since = `at`, messageId). A global
   * entry and the unsubscribes of an address are separate: adding one keeps the others. Emits
   * `ases.suppression.added` (with `category` for an unsubscribe) when the entry is new.
   */
  async suppress(suppression: NewSuppression): Promise<SuppressResult> {
    const key = keyOf(suppression.email);
    if (typeof suppression.reason !== 'string' || suppression.reason.trim() === '') {
      throw invalid('reason', 'reason must be a non-empty string');
    }
    if (!SUPPRESSION_SOURCES.includes(suppression.source)) {
      throw invalid('source', `source must be one of ${SUPPRESSION_SOURCES.join(', ')}`);
    }
    const unsubscribe = suppression.source === 'unsubscribe';
    if (unsubscribe) {
      checkCategory(suppression.category);
    } else if (suppression.category !== undefined) {
      throw invalid(
        'category',
        'category is only for source unsubscribe: other sources stop all mail',
      );
    }
    const since = timeOf(suppression.at, 'at').toISOString();
    const replace = suppression.replace ?? suppression.source === 'manual';
    let result: SuppressResult;
    if (unsubscribe) {
      const added = await this.repository.addUnsubscribe(
        key,
        withMessageId<CategoryUnsubscribe>(
          { category: suppression.category as string, reason: suppression.reason, since },
          suppression.messageId,
        ),
        replace,
      );
      result = { created: added.created, entry: unsubscribeEntry(key, added.unsubscribe) };
    } else {
      const entry = withMessageId<SuppressionEntry>(
        { email: key, reason: suppression.reason, since, source: suppression.source },
        suppression.messageId,
      );
      result = await this.repository.add(key, entry, replace);
    }
    if (result.created) {
      this.emit(ASES_EVENTS.suppressionAdded, result.entry);
    }
    return result;
  }

  /**
   * Takes an address off the list: without `category`, its entry, all its unsubscribes and its
   * soft-bounce count; with `category`, only its unsubscribe from that category. Returns whether
   * anything was removed; emits `ases.suppression.removed` once per entry removed.
   */
  async remove(address: string, category?: string): Promise<boolean> {
    const key = keyOf(address);
    if (category !== undefined) {
      checkCategory(category);
      const removed = await this.repository.removeUnsubscribe(key, category);
      if (removed) {
        this.emit(ASES_EVENTS.suppressionRemoved, unsubscribeEntry(key, removed));
      }
      return removed !== null;
    }
    const { entry, unsubscribes } = await this.repository.remove(key);
    const removed = [
      ...(entry ? [entry] : []),
      ...unsubscribes.map((unsubscribe) => unsubscribeEntry(key, unsubscribe)),
    ];
    for (const each of removed) {
      this.emit(ASES_EVENTS.suppressionRemoved, each);
    }
    return removed.length > 0;
  }

  /** How many items the list holds (as `list` pages them: entries and category unsubscribes). */
  count(): Promise<number> {
    return this.repository.count();
  }

  /**
   * One page of the list, in address order; an address's unsubscribes (one item each, source
   * `unsubscribe` with its `category`) follow its entry for all mail. `cursor` is the `nextCursor` of the previous page
   * (absent or empty: the first page); `limit` is 1..1000, default 100. Entries added or removed
   * while paging do not make a page repeat or skip the others. INVALID_REQUEST for a bad cursor or
   * limit.
   */
  async list(cursor?: string, limit = DEFAULT_SUPPRESSION_PAGE): Promise<SuppressionPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SUPPRESSION_PAGE) {
      throw invalid('limit', `limit must be an integer from 1 to ${MAX_SUPPRESSION_PAGE}`);
    }
    let after: string | null = null;
    if (cursor !== undefined && cursor !== '') {
      after = decodeCursor(cursor);
      if (after === null) {
        throw invalid('cursor', 'cursor must be a nextCursor returned by this endpoint');
      }
    }
    const page = await this.repository.page(after, limit);
    return {
      items: page.entries,
      nextCursor: page.lastKey === null ? null : encodeCursor(page.lastKey),
    };
  }

  /**
   * Counts a transient (soft) bounce of `address` at `at` for message `messageId`, when the
   * `suppressAfterTransientBounces` rule is on (otherwise does nothing). When the bounces within
   * the rule's window (ending now) reach its count, suppresses the address (source
   * `transient-bounces`) and returns the new entry; otherwise, or when the address was already
   * suppressed, returns null. The same messageId counts once however often it is reported.
   */
  async recordTransientBounce(
    address: string,
    at: Date | string,
    messageId: string,
  ): Promise<SuppressionEntry | null> {
    const key = keyOf(address);
    const rule = this.options.suppressAfterTransientBounces;
    if (!rule) {
      return null;
    }
    const time = timeOf(at, 'at');
    const entry: SuppressionEntry = {
      email: key,
      reason: transientBounceReason(rule.count, rule.withinSeconds),
      since: time.toISOString(),
      source: 'transient-bounces',
    };
    if (messageId) {
      entry.messageId = messageId;
    }
    const result = await this.repository.recordSoftBounce(
      key,
      time.getTime(),
      messageId || randomUUID(),
      { count: rule.count, windowMs: rule.withinSeconds * 1000, nowMs: Date.now() },
      entry,
    );
    if (result.outcome !== 'suppressed') {
      return null;
    }
    this.emit(ASES_EVENTS.suppressionAdded, result.entry);
    return result.entry;
  }

  // The list is already written: a host listener that throws must not turn that into an error.
  private emit(name: string, entry: SuppressionEntry): void {
    const event: SuppressionEvent = { ...entry };
    try {
      this.events?.emit(name, event);
    } catch (error) {
      this.logger.error(
        `a listener of ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

function invalid(field: string, problem: string): AsesException {
  return new AsesException(AsesErrorCode.INVALID_REQUEST, problem, {
    errors: [{ field, problems: [problem] }],
  });
}

function checkCategory(category: unknown): asserts category is string {
  if (!isMailCategory(category)) {
    throw invalid(
      'category',
      `category must be 1 to 64 of a-z 0-9 _ . - (${String(MAIL_CATEGORY_PATTERN)}), got ${shown(category)}`,
    );
  }
}

function withMessageId<T extends { messageId?: string }>(value: T, messageId?: string): T {
  if (messageId !== undefined) {
    value.messageId = messageId;
  }
  return value;
}

function keyOf(address: string): string {
  const key = suppressionKeyOf(address);
  if (key === null) {
    throw invalid(
      'email',
      `email must be one email address like user@example.com, got ${shown(address)}`,
    );
  }
  return key;
}

function timeOf(at: Date | string | undefined, field: string): Date {
  const time = at === undefined ? new Date() : new Date(at);
  if (Number.isNaN(time.getTime())) {
    throw invalid(field, `${field} must be a date or an ISO 8601 time, got ${shown(at)}`);
  }
  return time;
}

// Enough of a wrong value to recognise it, not an echo of whatever was sent.
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
