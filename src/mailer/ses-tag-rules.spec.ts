import { CONFIGURATION_SET_NAME, MAX_SES_TAGS, sesTagsProblem } from './ses-tag-rules';

describe('CONFIGURATION_SET_NAME', () => {
  it.each(['a', 'marketing-events', 'Config_Set-2', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(CONFIGURATION_SET_NAME.test(name)).toBe(true);
  });

  it.each(['', 'x'.repeat(65), 'has space', 'dot.ted', 'ümlaut', 'a\n'])('refuses %j', (name) => {
    expect(CONFIGURATION_SET_NAME.test(name)).toBe(false);
  });
});

describe('sesTagsProblem', () => {
  it('accepts SES tags', () => {
    expect(
      sesTagsProblem({
        campaign: 'spring-sale',
        Variant_B: 'X',
        ['n'.repeat(256)]: 'v'.repeat(256),
      }),
    ).toBeNull();
    expect(sesTagsProblem({})).toBeNull();
  });

  it.each([[[]], ['a'], [3], [null]])('refuses %p as a whole', (value) => {
    expect(sesTagsProblem(value)).toBe(
      'sesTags must be an object of string values, such as { "campaign": "spring-sale" }',
    );
  });

  it(`refuses more than ${MAX_SES_TAGS} tags`, () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']));
    expect(sesTagsProblem(many)).toBe('sesTags must hold at most 50 tags, not 51');
  });

  it.each(['has space', 'dot.ted', 'colon:x', 'ümlaut', '', 'n'.repeat(257)])(
    'refuses the tag name %j, naming it',
    (name) => {
      expect(sesTagsProblem({ [name]: 'v' })).toMatch(
        /^sesTags has a bad tag name ".*": SES takes/,
      );
    },
  );

  it.each(['with space', 'a.b', 'a/b', 'é', '', 'v'.repeat(257)])(
    'refuses the value %j, naming the tag',
    (value) => {
      expect(sesTagsProblem({ campaign: value })).toMatch(
        /^sesTags\.campaign has the value ".*": SES takes 1-256 ASCII letters/,
      );
    },
  );

  it.each([
    [7, 'a number'],
    [null, 'null'],
    [['x'], 'an array'],
  ])('refuses a value that is not a string: %p', (value, kind) => {
    expect(sesTagsProblem({ campaign: value })).toBe(
      `sesTags.campaign must be a string, not ${kind}`,
    );
  });

  it.each(['constructor', '__proto__', 'toString'])('refuses the tag name %s', (name) => {
    const value = JSON.parse(`{"${name}":"x"}`) as unknown;
    expect(sesTagsProblem(value)).toContain(`must not use "${name}" as a tag name`);
  });
});
