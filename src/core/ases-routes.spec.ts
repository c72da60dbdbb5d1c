import { resolveAsesRoutes, withRoutePrefix } from './ases-routes';

describe('resolveAsesRoutes', () => {
  it('mounts every group at the root by default', () => {
    expect(resolveAsesRoutes(undefined)).toEqual({
      prefix: '',
      api: true,
      health: true,
      tracking: true,
      unsubscribe: true,
      feedback: true,
      dashboard: true,
      metrics: true,
    });
  });

  it('leaves out the groups switched off, and trims the prefix of slashes', () => {
    const routes = resolveAsesRoutes({ prefix: '/ops/mail/', health: false, dashboard: false });
    expect(routes).toMatchObject({
      prefix: 'ops/mail',
      health: false,
      dashboard: false,
      api: true,
    });
  });

  it('mounts nothing for false', () => {
    const routes = resolveAsesRoutes(false);
    expect(Object.values(routes).filter((value) => value === true)).toEqual([]);
  });

  it('names every bad value at once', () => {
    expect(() =>
      resolveAsesRoutes({
        prefix: 'mail/:id',
        health: 'no' as unknown as boolean,
        helth: false,
      } as never),
    ).toThrow(
      'Invalid AsesModule options: routes has no option "helth" (known: prefix, api, health, ' +
        'tracking, unsubscribe, feedback, dashboard, metrics); routes.health must be a boolean; ' +
        'got "no"; routes.prefix must be a path such as "mail" or "ops/mail": segments of ' +
        'letters, digits and - . _ ~ joined by "/"; got "mail/:id"',
    );
  });

  it.each(['..', 'a//b', 'a/../b', 'a b', '*'])('refuses the prefix %j', (prefix) => {
    expect(() => resolveAsesRoutes({ prefix })).toThrow(/routes\.prefix must be a path/);
  });

  it('refuses a dashboard without the API it reads', () => {
    expect(() => resolveAsesRoutes({ api: false })).toThrow(
      'routes.dashboard needs routes.api: the dashboard reads the REST API',
    );
    expect(resolveAsesRoutes({ api: false, dashboard: false }).api).toBe(false);
  });
});

describe('withRoutePrefix', () => {
  it('adds the prefix to the base URL once', () => {
    expect(withRoutePrefix('https://x.test/app/', 'mail')).toBe('https://x.test/app/mail');
    expect(withRoutePrefix('https://x.test', '')).toBe('https://x.test');
  });
});
