import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore } from '../core/redis-store';
import { StoredTemplate, TemplateSummary } from './stored-template';

/** `template-put-1.lua`: the template was created by this call (0: it replaced one). */
const PUT_CREATED = 1;

/** The scripts of `./lua`, as `defineScripts` names them; argument order as in each file's header. */
interface TemplateCommands {
  asesTemplatePut(templateKey: string, ...fields: string[]): Promise<number>;
}

/** One page of names in index order, with when each was last put. */
export interface TemplateNamePage {
  items: TemplateSummary[];
  /** The last name of the page when more follow (the cursor of the next page), else null. */
  lastName: string | null;
}

/** What a Redis failure here is reported as. */
const WHAT = 'the template store';

/**
 * The only code that knows how templates are laid out in Redis:
 * - `<prefix>tpl:{<name>}`: hash {name, subject, html?, text?, updatedAt}, without TTL;
 * - `<prefix>tpl:index`: sorted set of every name, all scored 0, listed in lexical (byte) order.
 *
 * Names are 1-64 of `A-Z a-z 0-9 _ . -`, so a name is its own non-empty hash tag: each template is
 * one key in one cluster slot, written whole by one script. The index is global (one slot), so it
 * is written as its own single-key step, never inside a script: a put writes the template then adds
 * the name to the index; a remove deletes the template then takes the name out. The index may
 * therefore, for a moment or after a crash, hold a name whose template is gone (listing skips it);
 * a template missing from the index is only possible if the process dies between the two steps of
 * a put, and putting it again repairs that (every put adds the name to the index).
 */
@Injectable()
export class TemplateRepository {
  private readonly redis: AsesRedis & TemplateCommands;
  private readonly prefix: string;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & TemplateCommands;
    this.prefix = `${options.redis.keyPrefix}tpl:`;
  }

  /** The template named `name`, or null. */
  async find(name: string): Promise<StoredTemplate | null> {
    return toTemplate(await this.store(() => this.redis.hgetall(this.templateKey(name))));
  }

  /** Stores `template`, replacing the one of the same name whole; returns whether it was new. */
  async put(template: StoredTemplate): Promise<boolean> {
    const code = await this.store(() =>
      this.redis.asesTemplatePut(this.templateKey(template.name), ...fieldsOf(template)),
    );
    await this.store(() => this.redis.zadd(this.indexKey(), 0, template.name));
    return code === PUT_CREATED;
  }

  /** Removes the template named `name`; returns whether there was one. */
  async remove(name: string): Promise<boolean> {
    const removed = await this.store(() => this.redis.del(this.templateKey(name)));
    await this.store(async () => {
      await this.redis.zrem(this.indexKey(), name);
      // A put of the same name may have run between the two steps and indexed it before the ZREM:
      // index it again, so that a template is never left out of the listing.
      if ((await this.redis.exists(this.templateKey(name))) === 1) {
        await this.redis.zadd(this.indexKey(), 0, name);
      }
    });
    return removed === 1;
  }

  /** Up to `limit` names in order, starting after `afterName` (exclusive), or from the start. */
  async page(afterName: string | null, limit: number): Promise<TemplateNamePage> {
    const min = afterName === null ? '-' : `(${afterName}`;
    // One more than asked tells whether another page follows, without an empty last page.
    const names = await this.store(() =>
      this.redis.zrangebylex(this.indexKey(), min, '+', 'LIMIT', 0, limit + 1),
    );
    const pageNames = names.slice(0, limit);
    // Single-key reads: the templates are spread over the slots of a cluster, where a pipeline
    // must stay in one slot. ioredis sends them without waiting for each reply, as a pipeline would.
    const times = await this.store(() =>
      Promise.all(pageNames.map((name) => this.redis.hget(this.templateKey(name), 'updatedAt'))),
    );
    const items: TemplateSummary[] = [];
    pageNames.forEach((name, i) => {
      const updatedAt = times[i];
      // A template removed between the two reads is skipped; the paging goes on by name.
      if (updatedAt !== null) {
        items.push({ name, updatedAt });
      }
    });
    return { items, lastName: names.length > limit ? pageNames[pageNames.length - 1] : null };
  }

  /** Runs Redis work; a Redis failure becomes STORE_UNAVAILABLE, so callers never see ioredis errors. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore(WHAT, work);
  }

  private templateKey(name: string): string {
    return `${this.prefix}{${name}}`;
  }

  private indexKey(): string {
    return `${this.prefix}index`;
  }
}

function fieldsOf(template: StoredTemplate): string[] {
  const fields = ['name', template.name, 'subject', template.subject];
  if (template.html !== undefined) {
    fields.push('html', template.html);
  }
  if (template.text !== undefined) {
    fields.push('text', template.text);
  }
  fields.push('updatedAt', template.updatedAt);
  return fields;
}

function toTemplate(hash: Record<string, string>): StoredTemplate | null {
  const { name, subject, html, text, updatedAt } = hash;
  if (name === undefined || subject === undefined || updatedAt === undefined) {
    return null;
  }
  // In the order the API shows them.
  return {
    name,
    subject,
    ...(html === undefined ? {} : { html }),
    ...(text === undefined ? {} : { text }),
    updatedAt,
  };
}
