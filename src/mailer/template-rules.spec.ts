import { MAX_TEMPLATE_DATA_BYTES, templateRefProblem } from './template-rules';

describe('templateRefProblem', () => {
  it('accepts a name with or without data', () => {
    expect(templateRefProblem({ name: 'welcome' })).toBeNull();
    expect(templateRefProblem({ name: 'order.shipped_v2-fr' })).toBeNull();
    expect(templateRefProblem({ name: 'x'.repeat(64) })).toBeNull();
    expect(
      templateRefProblem({
        name: 'welcome',
        data: { firstName: 'Zoë 😀', items: [{ sku: 'A', qty: 2 }], vip: true, total: 4.5 },
      }),
    ).toBeNull();
    expect(templateRefProblem({ name: 'welcome', data: {} })).toBeNull();
  });

  it.each([
    ['welcome', 'template must be an object such as { "name": "welcome"', 'not a string'],
    [[], 'template must be an object such as', 'not an array'],
    [null, 'template must be an object such as', 'not null'],
    [{}, 'template.name is required', ''],
    [{ name: 7 }, 'template.name must be a string, not a number', ''],
    [{ name: '' }, 'template.name must be 1-64 letters, digits, "_", "." or "-"', ''],
    [{ name: 'x'.repeat(65) }, 'template.name must be 1-64', ''],
    [{ name: 'has space' }, 'template.name must be 1-64', ''],
    [{ name: '../etc' }, 'template.name must be 1-64', ''],
    [
      { name: '..' },
      'template.name must be 1-64 letters, digits, "_", "." or "-" (not only dots)',
      '',
    ],
    [{ name: 'a', vars: {} }, 'template.vars should not exist: a template reference has name', ''],
    [{ name: 'a', data: [] }, 'template.data must be an object (name → value), not an array', ''],
    [{ name: 'a', data: 'x' }, 'template.data must be an object (name → value), not a string', ''],
  ])('refuses %p, naming the field', (value, start, end) => {
    const problem = templateRefProblem(value) ?? '';
    expect(problem.startsWith(start)).toBe(true);
    expect(problem.endsWith(end)).toBe(true);
  });

  it(`refuses data past ${MAX_TEMPLATE_DATA_BYTES} bytes as JSON`, () => {
    // {"text":"…"} is 11 bytes around the value.
    const fits = { text: 'x'.repeat(MAX_TEMPLATE_DATA_BYTES - 11) };
    expect(templateRefProblem({ name: 'a', data: fits })).toBeNull();
    expect(templateRefProblem({ name: 'a', data: { text: `${fits.text}x` } })).toBe(
      `template.data must be at most ${MAX_TEMPLATE_DATA_BYTES} bytes as JSON, not ${MAX_TEMPLATE_DATA_BYTES + 1}`,
    );
    const multiByte = { text: 'é'.repeat(MAX_TEMPLATE_DATA_BYTES / 2) };
    expect(templateRefProblem({ name: 'a', data: multiByte })).toMatch(/must be at most 65536/);
  });

  // An embedding app calls AsesService.sendmail with objects no JSON body can hold.
  it.each([
    [{ when: new Date(0) }, 'template.data.when must be JSON', 'not a Date'],
    [{ n: 10n }, 'template.data.n must be JSON', 'not a bigint'],
    [{ f: () => 1 }, 'template.data.f must be JSON', 'not a function'],
    [{ u: undefined }, 'template.data.u must be JSON', 'not undefined'],
    [{ list: [1, NaN] }, 'template.data.list[1] must be a finite number, not NaN', ''],
    [{ x: Infinity }, 'template.data.x must be a finite number, not Infinity', ''],
    [{ s: 'a\ud800' }, 'template.data.s must be valid Unicode', ''],
    [{ m: new Map() }, 'template.data.m must be JSON', 'not a Map'],
  ])('refuses data JSON cannot carry: %p', (data, start, end) => {
    const problem = templateRefProblem({ name: 'a', data }) ?? '';
    expect(problem.startsWith(start)).toBe(true);
    expect(problem.endsWith(end)).toBe(true);
  });

  it('refuses a cycle or a shared object instead of looping', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(templateRefProblem({ name: 'a', data: cyclic })).toContain(
      'template.data.self is an object met before',
    );
    const shared = { deep: 'x' };
    expect(templateRefProblem({ name: 'a', data: { a: shared, b: shared } })).toContain(
      'is an object met before',
    );
  });

  it('takes null inside data as JSON does (the request screen may refuse it first)', () => {
    expect(templateRefProblem({ name: 'a', data: { a: null } })).toBeNull();
    expect(templateRefProblem({ name: 'a', data: Object.create(null) as object })).toBeNull();
  });
});
