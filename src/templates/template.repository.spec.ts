import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import type { StoredTemplate } from './stored-template';
import { TemplateRepository } from './template.repository';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';

// Runs the real script against the Redis on 6379 and the test cluster on 7000-7002 (MACHINE.md).

function template(name: string, fields: Partial<StoredTemplate> = {}): StoredTemplate {
  return {
    name,
    subject: 'Welcome, {{firstName}}!',
    html: '<p>Hello {{firstName}}</p>',
    text: 'Hello {{firstName}}',
    updatedAt: '2025-01-02T03:04:05.000Z',
    ...fields,
  };
}

describe.each(REDIS_TARGETS)('TemplateRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let repository: TemplateRepository;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    const options = { redis: { keyPrefix: prefix } } as unknown as ResolvedAsesOptions;
    repository = new TemplateRepository(redis, options);
  });

  const templateKey = (name: string) => `${prefix}tpl:{${name}}`;
  const indexKey = () => `${prefix}tpl:index`;

  describe('put', () => {
    it('stores a hash without TTL under the name as hash tag, and indexes the name', async () => {
      const stored = template('welcome');

      expect(await repository.put(stored)).toBe(true);

      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [templateKey('welcome'), indexKey()].sort(),
      );
      expect(await redis.type(templateKey('welcome'))).toBe('hash');
      expect(await redis.hgetall(templateKey('welcome'))).toEqual({
        name: 'welcome',
        subject: stored.subject,
        html: stored.html,
        text: stored.text,
        updatedAt: stored.updatedAt,
      });
      expect(await redis.ttl(templateKey('welcome'))).toBe(-1);
      expect(await redis.type(indexKey())).toBe('zset');
      expect(await redis.zrange(indexKey(), 0, -1, 'WITHSCORES')).toEqual(['welcome', '0']);
      expect(await redis.ttl(indexKey())).toBe(-1);
      expect(await repository.find('welcome')).toEqual(stored);
    });

    it('replaces a template whole: a part the new one leaves out is gone', async () => {
      await repository.put(template('welcome'));
      const textOnly: StoredTemplate = {
        name: 'welcome',
        subject: 'Hi',
        text: 'plain',
        updatedAt: '2025-06-01T00:00:00.000Z',
      };

      expect(await repository.put(textOnly)).toBe(false);

      expect(await redis.hgetall(templateKey('welcome'))).toEqual({ ...textOnly });
      expect(await repository.find('welcome')).toEqual(textOnly);
      expect(await redis.zcard(indexKey())).toBe(1);
    });

    it('keeps the API order of the fields, html or text alone', async () => {
      const htmlOnly = template('h', { text: undefined });
      delete htmlOnly.text;
      await repository.put(htmlOnly);

      expect(Object.keys((await repository.find('h')) ?? {})).toEqual([
        'name',
        'subject',
        'html',
        'updatedAt',
      ]);
    });

    it('indexes again a name whose put died between its two steps', async () => {
      await repository.put(template('welcome'));
      // The state a crash after the script and before the index step leaves.
      await redis.zrem(indexKey(), 'welcome');

      expect(await repository.put(template('welcome'))).toBe(false);

      expect(await redis.zrange(indexKey(), 0, -1)).toEqual(['welcome']);
    });

    it('keeps templates of different names apart, in their own slots', async () => {
      const names = ['a', 'b', 'welcome', 'Welcome', 'order.shipped', 'x_y-z'];
      for (const name of names) {
        await repository.put(template(name, { subject: `subject of ${name}` }));
      }

      for (const name of names) {
        expect((await repository.find(name))?.subject).toBe(`subject of ${name}`);
      }
      const slots = new Set(await Promise.all(names.map((name) => slotOf(templateKey(name)))));
      expect(slots.size).toBeGreaterThan(1);
      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [...names.map(templateKey), indexKey()].sort(),
      );
    });
  });

  describe('find', () => {
    it('returns null for an unknown name, and for a hash missing a required field', async () => {
      expect(await repository.find('nope')).toBeNull();
      await redis.hset(templateKey('broken'), 'name', 'broken', 'subject', 's');
      expect(await repository.find('broken')).toBeNull();
    });
  });

  describe('remove', () => {
    it('removes the template and its index member', async () => {
      await repository.put(template('welcome'));

      expect(await repository.remove('welcome')).toBe(true);

      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
      expect(await repository.find('welcome')).toBeNull();
    });

    it('returns false for an unknown name, and drops a dangling index member', async () => {
      await redis.zadd(indexKey(), 0, 'gone');

      expect(await repository.remove('gone')).toBe(false);

      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    });
  });

  describe('page', () => {
    const names = ['e', 'a', 'C', 'b', 'd.1', 'd-0'];

    beforeEach(async () => {
      for (const [i, name] of names.entries()) {
        await repository.put(template(name, { updatedAt: `2025-01-0${i + 1}T00:00:00.000Z` }));
      }
    });

    it('pages in byte order of the names, the cursor being the last name of the page', async () => {
      const seen: string[] = [];
      const cursors: (string | null)[] = [];
      let after: string | null = null;
      do {
        const page = await repository.page(after, 2);
        seen.push(...page.items.map((item) => item.name));
        cursors.push(page.lastName);
        after = page.lastName;
      } while (after !== null);

      expect(seen).toEqual(['C', 'a', 'b', 'd-0', 'd.1', 'e']);
      expect(cursors).toEqual(['a', 'd-0', null]);
    });

    it('gives each name with its update time', async () => {
      const page = await repository.page(null, 10);

      expect(page.lastName).toBeNull();
      expect(page.items).toEqual([
        { name: 'C', updatedAt: '2025-01-03T00:00:00.000Z' },
        { name: 'a', updatedAt: '2025-01-02T00:00:00.000Z' },
        { name: 'b', updatedAt: '2025-01-04T00:00:00.000Z' },
        { name: 'd-0', updatedAt: '2025-01-06T00:00:00.000Z' },
        { name: 'd.1', updatedAt: '2025-01-05T00:00:00.000Z' },
        { name: 'e', updatedAt: '2025-01-01T00:00:00.000Z' },
      ]);
      expect(await repository.page('e', 10)).toEqual({ items: [], lastName: null });
    });

    it('ends with the page that holds the last name (no empty last page)', async () => {
      const page = await repository.page(null, names.length);

      expect(page.items).toHaveLength(names.length);
      expect(page.lastName).toBeNull();
    });

    it('skips an index member whose template is gone and goes on by name', async () => {
      // What a remove leaves if it dies between deleting the template and the index step.
      await redis.del(templateKey('a'));

      const first = await repository.page(null, 2);
      const second = await repository.page(first.lastName, 2);

      expect(first.items.map((item) => item.name)).toEqual(['C']);
      expect(first.lastName).toBe('a');
      expect(second.items.map((item) => item.name)).toEqual(['b', 'd-0']);
    });
  });
});
