import { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { MAX_HTML_BYTES, MAX_SUBJECT_LENGTH, MAX_TEXT_BYTES } from '../mailer/dto/send-message.dto';
import { TemplateRepository } from './template.repository';
import { MAX_TEMPLATE_PAGE, TemplateService } from './template.service';
import { REDIS_TARGETS, useSpecRedis } from '../../test/helpers/test-redis';

// The service on its real repository, against the Redis on 6379: one server is enough here, the
// repository spec covers the cluster.
const [, connectSingle] = REDIS_TARGETS[0];

const WELCOME = {
  subject: 'Welcome, {{firstName}}!',
  html: '<p>Hello {{firstName}}</p>{{#items}}<li>{{name}}</li>{{/items}}',
  text: 'Hello {{firstName}}',
};

function serviceOn(redis: AsesRedis, keyPrefix: string): TemplateService {
  const options = { redis: { keyPrefix } } as unknown as ResolvedAsesOptions;
  return new TemplateService(new TemplateRepository(redis, options));
}

/** The AsesException `work` throws (fails the test when it throws nothing or something else). */
async function refusal(work: () => Promise<unknown>): Promise<AsesException> {
  try {
    await work();
  } catch (error) {
    if (error instanceof AsesException) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an AsesException, but the call succeeded');
}

describe('TemplateService', () => {
  let service: TemplateService;

  useSpecRedis(connectSingle, (redis, prefix) => {
    service = serviceOn(redis, prefix);
  });

  describe('put', () => {
    it('creates, then replaces whole, with a fresh updatedAt each time', async () => {
      const before = Date.now();
      const first = await service.put('welcome', WELCOME);

      expect(first).toEqual({
        created: true,
        template: { name: 'welcome', ...WELCOME, updatedAt: expect.any(String) as string },
      });
      expect(Date.parse(first.template.updatedAt)).toBeGreaterThanOrEqual(before);
      expect(await service.get('welcome')).toEqual(first.template);

      const second = await service.put('welcome', { subject: 'Hi', text: 'plain' });

      expect(second.created).toBe(false);
      expect(second.template).toEqual({
        name: 'welcome',
        subject: 'Hi',
        text: 'plain',
        updatedAt: second.template.updatedAt,
      });
      expect(Date.parse(second.template.updatedAt)).toBeGreaterThanOrEqual(
        Date.parse(first.template.updatedAt),
      );
      expect(await service.get('welcome')).toEqual(second.template);
    });

    it('treats names as case-sensitive', async () => {
      await service.put('Welcome', { subject: 'upper', text: 't' });
      await service.put('welcome', { subject: 'lower', text: 't' });

      expect((await service.get('Welcome')).subject).toBe('upper');
      expect((await service.get('welcome')).subject).toBe('lower');
    });

    it.each([
      [
        'html syntax',
        { ...WELCOME, html: '<p>{{name</p>' },
        'html',
        'html: Unclosed tag at 13 (line 1, column 14)',
      ],
      [
        'subject syntax',
        { ...WELCOME, subject: 'Hi {{#a}}' },
        'subject',
        'subject: Unclosed section "a" at 9 (line 1, column 10)',
      ],
      [
        'a partial',
        { ...WELCOME, text: '{{> footer}}' },
        'text',
        'text: partials ({{> footer}}) are not supported, at 0 (line 1, column 1)',
      ],
      ['no body', { subject: 's' }, 'html', 'html or text is required: give html, text or both'],
      ['no subject', { text: 't' }, 'subject', 'subject must be a string'],
      ['an empty subject', { subject: '  ', text: 't' }, 'subject', 'subject must not be empty'],
      [
        'a line break in the subject',
        { subject: 'a\r\nBcc: x@example.com', text: 't' },
        'subject',
        'subject must not contain CR, LF or other control characters',
      ],
      [
        'a long subject',
        { subject: 'x'.repeat(MAX_SUBJECT_LENGTH + 1), text: 't' },
        'subject',
        `subject must be shorter than or equal to ${MAX_SUBJECT_LENGTH} characters`,
      ],
      [
        'a large html',
        { subject: 's', html: 'é'.repeat(MAX_HTML_BYTES / 2 + 1) },
        'html',
        `html must be at most ${MAX_HTML_BYTES} bytes (UTF-8)`,
      ],
      ['an empty text', { subject: 's', text: '' }, 'text', 'text should not be empty'],
      [
        'an unknown field',
        { ...WELCOME, from: 'a@example.com' },
        'from',
        'property from should not exist',
      ],
      [
        'a null html',
        { ...WELCOME, html: null },
        'html',
        'html must be a string, not null: leave the field out instead',
      ],
    ])('refuses %s with INVALID_REQUEST naming the field', async (_name, body, field, problem) => {
      const error = await refusal(() => service.put('welcome', body));

      expect(error.code).toBe(AsesErrorCode.INVALID_REQUEST);
      expect(error.message).toBe(`invalid template: ${problem}`);
      expect(error.details).toEqual({ errors: [{ field, problems: [problem] }] });
      expect(await service.find('welcome')).toBeNull();
    });

    it('refuses a body that is not an object', async () => {
      const error = await refusal(() => service.put('welcome', 'subject'));
      expect(error.details).toEqual({
        errors: [{ field: '(template)', problems: ['must be a JSON object'] }],
      });
    });

    it.each(['', '.', '..', 'a/b', 'a b', 'ünï', 'x'.repeat(65), '{a}'])(
      'refuses the name %j with INVALID_REQUEST naming name',
      async (name) => {
        const error = await refusal(() => service.put(name, WELCOME));

        expect(error.code).toBe(AsesErrorCode.INVALID_REQUEST);
        expect(error.details).toEqual({
          errors: [
            { field: 'name', problems: [expect.stringContaining('name must be 1-64') as string] },
          ],
        });
      },
    );

    it('accepts names of 64 letters, digits, _ . and -', async () => {
      const name = `A-z_0.9${'x'.repeat(57)}`;
      expect((await service.put(name, WELCOME)).template.name).toBe(name);
      expect(await service.find(name)).not.toBeNull();
    });
  });

  describe('get, find and remove', () => {
    it('answers TEMPLATE_NOT_FOUND naming the template', async () => {
      const error = await refusal(() => service.get('nope'));

      expect(error.code).toBe(AsesErrorCode.TEMPLATE_NOT_FOUND);
      expect(error.message).toContain('"nope"');
      expect(error.details).toEqual({ template: 'nope' });
    });

    it('removes a template once', async () => {
      await service.put('welcome', WELCOME);

      expect(await service.remove('welcome')).toBe(true);
      expect(await service.remove('welcome')).toBe(false);
      expect(await service.find('welcome')).toBeNull();
    });

    it('refuses a malformed name before asking Redis', async () => {
      expect((await refusal(() => service.find('a b'))).code).toBe(AsesErrorCode.INVALID_REQUEST);
      expect((await refusal(() => service.remove('..'))).code).toBe(AsesErrorCode.INVALID_REQUEST);
    });
  });

  describe('list', () => {
    it('lists names and update times in name order, page by page', async () => {
      for (const name of ['c', 'a', 'b']) {
        await service.put(name, WELCOME);
      }

      const all = await service.list();
      expect(all.items.map((item) => item.name)).toEqual(['a', 'b', 'c']);
      expect(all.items[0]).toEqual({ name: 'a', updatedAt: (await service.get('a')).updatedAt });
      expect(all.nextCursor).toBeNull();

      const first = await service.list(undefined, 2);
      expect(first.items.map((item) => item.name)).toEqual(['a', 'b']);
      const second = await service.list(first.nextCursor ?? undefined, 2);
      expect(second).toEqual({ items: [all.items[2]], nextCursor: null });
      expect(await service.list('', 2)).toEqual(first);
    });

    it.each([0, MAX_TEMPLATE_PAGE + 1, 1.5, Number.NaN])('refuses the limit %p', async (limit) => {
      const error = await refusal(() => service.list(undefined, limit));
      expect(error.details).toEqual({
        errors: [{ field: 'limit', problems: ['limit must be an integer from 1 to 1000'] }],
      });
    });

    it('refuses a cursor that is not a name', async () => {
      const error = await refusal(() => service.list('a b'));
      expect(error.details).toEqual({
        errors: [
          { field: 'cursor', problems: ['cursor must be a nextCursor returned by this endpoint'] },
        ],
      });
    });
  });

  describe('render', () => {
    beforeEach(async () => {
      await service.put('welcome', WELCOME);
    });

    it('renders the stored parts with the data', async () => {
      expect(
        await service.render('welcome', {
          firstName: 'Tom & Jerry',
          items: [{ name: '<b>' }, { name: 'c' }],
        }),
      ).toEqual({
        subject: 'Welcome, Tom & Jerry!',
        html: '<p>Hello Tom &amp; Jerry</p><li>&lt;b&gt;</li><li>c</li>',
        text: 'Hello Tom & Jerry',
      });
    });

    it('names every missing value in INVALID_MESSAGE, field template.data', async () => {
      const error = await refusal(() => service.render('welcome', { items: [{}] }));

      expect(error.code).toBe(AsesErrorCode.INVALID_MESSAGE);
      const problems = [
        'missing value for "firstName" used in subject',
        'missing value for "firstName" used in html',
        'missing value for "name" used in html',
        'missing value for "firstName" used in text',
      ];
      expect(error.details).toEqual({ errors: [{ field: 'template.data', problems }] });
      expect(error.message).toBe(`invalid template.data: ${problems.join('; ')}`);
    });

    it('refuses a value that would put a line break in the subject', async () => {
      const error = await refusal(() =>
        service.render('welcome', { firstName: 'Ann\r\nBcc: x@example.com' }),
      );

      expect(error.code).toBe(AsesErrorCode.INVALID_MESSAGE);
      expect(error.details).toEqual({
        errors: [
          {
            field: 'template.data',
            problems: [
              'value for "firstName" used in subject must not contain line breaks or other control characters',
            ],
          },
        ],
      });
    });

    it('refuses a value that makes the parts too large', async () => {
      const error = await refusal(() =>
        service.render('welcome', { firstName: 'x'.repeat(MAX_HTML_BYTES) }),
      );

      expect(error.details).toEqual({
        errors: [
          {
            field: 'template.data',
            problems: [
              `subject renders to more than ${MAX_SUBJECT_LENGTH} characters`,
              `html renders to more than ${MAX_HTML_BYTES} bytes (UTF-8)`,
              `text renders to more than ${MAX_TEXT_BYTES} bytes (UTF-8)`,
            ],
          },
        ],
      });
    });

    it('answers TEMPLATE_NOT_FOUND naming an unknown template', async () => {
      const error = await refusal(() => service.render('gone', {}));

      expect(error.code).toBe(AsesErrorCode.TEMPLATE_NOT_FOUND);
      expect(error.details).toEqual({ template: 'gone' });
    });

    it('refuses a malformed name as INVALID_MESSAGE naming template.name', async () => {
      const error = await refusal(() => service.render('a b', {}));

      expect(error.code).toBe(AsesErrorCode.INVALID_MESSAGE);
      expect(error.details).toEqual({
        errors: [
          {
            field: 'template.name',
            problems: [expect.stringContaining('template.name must be 1-64') as string],
          },
        ],
      });
    });

    it.each([null, ['a'], 'text'])('refuses data that is not an object (%p)', async (data) => {
      const error = await refusal(() =>
        service.render('welcome', data as unknown as Record<string, unknown>),
      );

      expect(error.code).toBe(AsesErrorCode.INVALID_MESSAGE);
      expect(error.details).toEqual({
        errors: [
          {
            field: 'template.data',
            problems: ['template.data must be an object of values, such as { "firstName": "Ann" }'],
          },
        ],
      });
    });
  });
});

describe('TemplateService without Redis', () => {
  it('answers STORE_UNAVAILABLE, without ioredis details', async () => {
    const redis = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const service = serviceOn(redis, 'ases-spec:offline:');
    try {
      for (const call of [
        () => service.get('welcome'),
        () => service.put('welcome', WELCOME),
        () => service.list(),
        () => service.remove('welcome'),
        () => service.render('welcome', {}),
      ]) {
        const error = await refusal(call);
        expect(error.code).toBe(AsesErrorCode.STORE_UNAVAILABLE);
        expect(error.message).toBe('the template store (Redis) did not answer: not connected');
      }
    } finally {
      redis.disconnect();
    }
  });
});
