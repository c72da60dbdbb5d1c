import fc from 'fast-check';
import Mustache from 'mustache';
import { MAX_HTML_BYTES, MAX_SUBJECT_LENGTH, MAX_TEXT_BYTES } from '../mailer/dto/send-message.dto';
import {
  MAX_RENDER_PROBLEMS,
  MAX_RENDER_STEPS,
  RenderResult,
  TemplateParts,
  renderTemplate,
  templateProblems,
} from './template-render';

function rendered(template: TemplateParts, data: Record<string, unknown>): TemplateParts {
  const result = renderTemplate(template, data);
  if (!result.ok) {
    throw new Error(`expected a render, got problems: ${result.problems.join('; ')}`);
  }
  return result.rendered;
}

function problemsOf(result: RenderResult): string[] {
  return result.ok ? [] : result.problems;
}

describe('renderTemplate', () => {
  describe('escaping', () => {
    const data = { name: `Tom & Jerry <script>"'/\`=` };

    it('HTML-escapes what {{x}} inserts into html', () => {
      expect(rendered({ subject: 's', html: '<p>{{name}}</p>' }, data).html).toBe(
        '<p>Tom &amp; Jerry &lt;script&gt;&quot;&#39;&#x2F;&#x60;&#x3D;</p>',
      );
    });

    it('inserts {{{x}}} and {{& x}} into html as they are', () => {
      const template = { subject: 's', html: '{{{name}}}|{{& name}}' };
      expect(rendered(template, data).html).toBe(`${data.name}|${data.name}`);
    });

    it('escapes nothing in the subject and the text', () => {
      const result = rendered({ subject: 'Hi {{name}}', text: 'Dear {{name}},' }, data);
      expect(result).toEqual({ subject: `Hi ${data.name}`, text: `Dear ${data.name},` });
    });

    it('leaves the template text itself alone, in every part', () => {
      const template = { subject: 'A & B', html: '<b>&amp;</b>', text: 'x < y' };
      expect(rendered(template, {})).toEqual(template);
    });

    it('renders numbers and booleans as text', () => {
      const template = { subject: '{{n}} items', html: '{{n}}/{{b}}', text: '{{f}}' };
      expect(rendered(template, { n: 3, b: false, f: 1.5 })).toEqual({
        subject: '3 items',
        html: '3/false',
        text: '1.5',
      });
    });

    it('is not changed by a host that replaces Mustache.escape or Mustache.tags', () => {
      const { escape, tags } = Mustache;
      Mustache.escape = (value: string) => `!${value}!`;
      Mustache.tags = ['<%', '%>'];
      try {
        expect(rendered({ subject: '{{x}}', html: '{{x}}' }, { x: '<a>' })).toEqual({
          subject: '<a>',
          html: '&lt;a&gt;',
        });
      } finally {
        Mustache.escape = escape;
        Mustache.tags = tags;
      }
    });
  });

  describe('sections', () => {
    it('loops over a list, looking names up in the item then outwards', () => {
      const template = {
        subject: 'Order {{order.id}}',
        html: '<ul>{{#items}}<li>{{name}} x{{qty}} for {{customer}}</li>{{/items}}</ul>',
      };
      const data = {
        order: { id: 'A-1' },
        customer: 'Ann',
        items: [
          { name: 'Tea', qty: 2 },
          { name: 'Cup & saucer', qty: 1, customer: 'Bob' },
        ],
      };
      expect(rendered(template, data)).toEqual({
        subject: 'Order A-1',
        html: '<ul><li>Tea x2 for Ann</li><li>Cup &amp; saucer x1 for Bob</li></ul>',
      });
    });

    it('renders {{.}} as the item of a list of strings', () => {
      const template = { subject: 's', text: '{{#items}}- {{.}}\n{{/items}}' };
      expect(rendered(template, { items: ['a', 'b'] }).text).toBe('- a\n- b\n');
    });

    it('takes an absent section as false, and renders its inverted section', () => {
      const template = { subject: '{{#vip}}VIP {{/vip}}{{^vip}}Dear {{/vip}}{{name}}' };
      expect(rendered(template, { name: 'Ann' }).subject).toBe('Dear Ann');
      expect(rendered(template, { name: 'Ann', vip: true }).subject).toBe('VIP Ann');
      expect(rendered(template, { name: 'Ann', vip: [] }).subject).toBe('Dear Ann');
    });

    it('renders a section over an object with the object as context', () => {
      const template = { subject: '{{#user}}{{first}} {{last}}{{/user}}' };
      expect(rendered(template, { user: { first: 'Ann', last: 'Lee' } }).subject).toBe('Ann Lee');
    });
  });

  describe('strictness', () => {
    it('names a missing variable and the part that uses it', () => {
      const result = renderTemplate(
        { subject: 'Hello {{firstName}}', html: '<p>{{firstName}} {{{sig}}}</p>', text: 'x' },
        { lastName: 'Lee' },
      );
      expect(problemsOf(result)).toEqual([
        'missing value for "firstName" used in subject',
        'missing value for "firstName" used in html',
        'missing value for "sig" used in html',
      ]);
    });

    it('takes null and undefined as missing, and reports a name once however often it is used', () => {
      const result = renderTemplate(
        { subject: '{{a}}{{a}}{{b}}', text: '{{#items}}{{name}}{{/items}}' },
        { a: null, b: undefined, items: [{}, {}, {}] },
      );
      expect(problemsOf(result)).toEqual([
        'missing value for "a" used in subject',
        'missing value for "b" used in subject',
        'missing value for "name" used in text',
      ]);
    });

    it('accepts empty strings, zero and false as values', () => {
      expect(rendered({ subject: 'x{{a}}{{b}}{{c}}' }, { a: '', b: 0, c: false }).subject).toBe(
        'x0false',
      );
    });

    it('names a dotted variable whose path is missing', () => {
      const result = renderTemplate({ subject: 'Hi {{user.name}}' }, { user: {} });
      expect(problemsOf(result)).toEqual(['missing value for "user.name" used in subject']);
      expect(problemsOf(renderTemplate({ subject: '{{user.name}}' }, { user: 'Ann' }))).toEqual([
        'missing value for "user.name" used in subject',
      ]);
    });

    it('refuses objects and arrays where text goes', () => {
      const result = renderTemplate(
        { subject: '{{user}}', text: '{{tags}}' },
        {
          user: { name: 'Ann' },
          tags: ['a', 'b'],
        },
      );
      expect(problemsOf(result)).toEqual([
        'value for "user" used in subject must be a string, number or boolean, not a value of type object',
        'value for "tags" used in text must be a string, number or boolean, not an array',
      ]);
    });

    it.each(['line\nbreak', 'carriage\rreturn', 'nul\u0000', 'sep\u2028'])(
      'refuses a subject value with a control character (%j)',
      (value) => {
        expect(problemsOf(renderTemplate({ subject: 'Hi {{name}}' }, { name: value }))).toEqual([
          'value for "name" used in subject must not contain line breaks or other control characters',
        ]);
      },
    );

    it('lets line breaks through in the bodies', () => {
      const template = { subject: 's', html: '{{a}}', text: '{{a}}' };
      expect(rendered(template, { a: 'one\r\ntwo' })).toEqual({
        subject: 's',
        html: 'one\r\ntwo',
        text: 'one\r\ntwo',
      });
    });

    it('refuses a value with a lone surrogate', () => {
      expect(problemsOf(renderTemplate({ subject: 's', text: '{{a}}' }, { a: 'x\ud800' }))).toEqual(
        ['value for "a" used in text must be valid Unicode: it holds a lone UTF-16 surrogate'],
      );
    });

    it('refuses a part that renders to blanks only', () => {
      expect(
        problemsOf(renderTemplate({ subject: '{{a}}', html: ' {{b}} ' }, { a: ' ', b: '' })),
      ).toEqual([
        'subject renders empty: give the values that fill it',
        'html renders empty: give the values that fill it',
      ]);
    });

    it('refuses, when rendering too, what storing refuses (a template stored by hand)', () => {
      expect(problemsOf(renderTemplate({ subject: '{{toString}}', text: '{{a' }, {}))).toEqual([
        'subject: "toString" at 0 (line 1, column 1) uses "toString", a property every ' +
          'JavaScript object has; choose another name',
        'text: Unclosed tag at 3 (line 1, column 4)',
      ]);
    });

    it('reports at most MAX_RENDER_PROBLEMS problems, and how many more there were', () => {
      const names = Array.from({ length: MAX_RENDER_PROBLEMS + 5 }, (_, i) => `v${i}`);
      const result = problemsOf(
        renderTemplate({ subject: names.map((name) => `{{${name}}}`).join(' ') }, {}),
      );
      expect(result).toHaveLength(MAX_RENDER_PROBLEMS + 1);
      expect(result[0]).toBe('missing value for "v0" used in subject');
      expect(result[MAX_RENDER_PROBLEMS]).toBe('and 5 more');
    });
  });

  describe('limits', () => {
    it('accepts each part at its limit exactly', () => {
      const template = { subject: '{{s}}', html: '{{{h}}}', text: '{{t}}' };
      const data = {
        s: 'x'.repeat(MAX_SUBJECT_LENGTH),
        h: 'x'.repeat(MAX_HTML_BYTES),
        t: 'é'.repeat(MAX_TEXT_BYTES / 2),
      };
      expect(rendered(template, data)).toEqual({ subject: data.s, html: data.h, text: data.t });
    });

    it.each([
      [
        'subject',
        { subject: '{{s}}' },
        { s: 'x'.repeat(MAX_SUBJECT_LENGTH + 1) },
        'subject renders to more than 998 characters',
      ],
      [
        'html',
        { subject: 's', html: '<p>{{h}}</p>' },
        { h: 'x'.repeat(MAX_HTML_BYTES) },
        `html renders to more than ${MAX_HTML_BYTES} bytes (UTF-8)`,
      ],
      [
        'text in UTF-8 bytes',
        { subject: 's', text: '{{t}}' },
        { t: 'é'.repeat(MAX_TEXT_BYTES / 2 + 1) },
        `text renders to more than ${MAX_TEXT_BYTES} bytes (UTF-8)`,
      ],
      [
        'html escaped past the limit',
        { subject: 's', html: '{{h}}' },
        { h: '&'.repeat(MAX_HTML_BYTES / 4) },
        `html renders to more than ${MAX_HTML_BYTES} bytes (UTF-8)`,
      ],
    ])('refuses %s past its limit', (_name, template, data, problem) => {
      expect(problemsOf(renderTemplate(template, data))).toEqual([problem]);
    });

    it('stops a loop that would render far past the limit, without building it', () => {
      const item = 'x'.repeat(1000);
      const list = Array.from({ length: 1000 }, () => item);
      const started = Date.now();
      const result = renderTemplate(
        { subject: 's', html: '{{#a}}{{#a}}{{#a}}{{.}}{{/a}}{{/a}}{{/a}}' },
        { a: list },
      );
      expect(problemsOf(result)).toEqual([
        `html renders to more than ${MAX_HTML_BYTES} bytes (UTF-8)`,
      ]);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('stops nested loops that render nothing after MAX_RENDER_STEPS tokens', () => {
      const list = Array.from({ length: 1000 }, (_, i) => i);
      const result = renderTemplate(
        { subject: 's', text: 'x{{#a}}{{#a}}{{#a}}{{#none}}y{{/none}}{{/a}}{{/a}}{{/a}}' },
        { a: list },
      );
      expect(problemsOf(result)).toEqual([
        `text takes more than ${MAX_RENDER_STEPS} steps to render: its sections loop over too many items`,
      ]);
    });
  });
});

describe('templateProblems', () => {
  it('accepts variables, sections, inverted sections, comments and delimiter changes', () => {
    expect(
      templateProblems(
        'html',
        '{{! note }}{{a}}{{{b}}}{{& c}}{{#d}}{{e.f}}{{.}}{{/d}}{{^g}}x{{/g}}{{=<% %>=}}<% h %>',
      ),
    ).toEqual([]);
  });

  it.each([
    ['html', '<p>Hello {{name</p>', 'html: Unclosed tag at 19 (line 1, column 20)'],
    ['text', 'a\nb\n{{#items}}x', 'text: Unclosed section "items" at 15 (line 3, column 12)'],
    ['subject', 'Hi {{/x}}', 'subject: Unopened section "x" at 3 (line 1, column 4)'],
    ['html', '{{#a}}{{/b}}', 'html: Unclosed section "a" at 6 (line 1, column 7)'],
    ['html', '{{=<% =}}', 'html: Invalid tags: <%'],
  ] as const)('reports a %s syntax error with its position: %j', (part, source, problem) => {
    expect(templateProblems(part, source)).toEqual([problem]);
  });

  it('refuses partials, which ases does not offer', () => {
    expect(templateProblems('html', 'a\n{{> footer}}')).toEqual([
      'html: partials ({{> footer}}) are not supported, at 2 (line 2, column 1)',
    ]);
  });

  it.each(['constructor', 'user.__proto__', 'toString', 'a.hasOwnProperty'])(
    'refuses the name %s, which every object has',
    (name) => {
      const reserved = name.split('.').pop();
      expect(templateProblems('subject', `x {{#s}}{{${name}}}{{/s}}`)).toEqual([
        `subject: "${name}" at 8 (line 1, column 9) uses "${reserved}", a property every ` +
          'JavaScript object has; choose another name',
      ]);
    },
  );

  it('reports every refused tag, in order', () => {
    expect(templateProblems('text', '{{> a}} {{#constructor}}{{/constructor}}')).toEqual([
      'text: partials ({{> a}}) are not supported, at 0 (line 1, column 1)',
      'text: "constructor" at 8 (line 1, column 9) uses "constructor", a property every ' +
        'JavaScript object has; choose another name',
    ]);
  });

  it('accepts names that only look like reserved ones, and .length of a list', () => {
    expect(templateProblems('html', '{{Constructor}}{{items.length}}{{proto}}')).toEqual([]);
  });
});

describe('on any input', () => {
  // Pieces that make templates odd: tags of every kind, delimiters, half tags, reserved names.
  const piece = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom('{{', '}}', '{{{', '}}}', '{{#a}}', '{{/a}}', '{{^a}}', '{{&a}}', '{{.}}'),
    fc.constantFrom('{{a.b}}', '{{=<% %>=}}', '<%a%>', '{{> p}}', '{{!c}}', '{{constructor}}'),
    fc.constantFrom('\n', '\r\n', '\u0000', '\ud800', '&<>'),
  );
  const source = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(''));
  const value = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const data = fc.dictionary(
    fc.constantFrom('a', 'b', 'c', 'p'),
    fc.oneof(value, fc.array(value), fc.dictionary(fc.constantFrom('a', 'b'), value)),
  );

  it('reports problems or renders, and never throws', () => {
    fc.assert(
      fc.property(source, source, data, (subject, html, values) => {
        const syntax = [...templateProblems('subject', subject), ...templateProblems('html', html)];
        const result = renderTemplate({ subject, html }, values);
        if (result.ok) {
          expect(syntax).toEqual([]);
          expect(result.rendered.subject).not.toMatch(/[\r\n]/);
        } else {
          expect(result.problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
