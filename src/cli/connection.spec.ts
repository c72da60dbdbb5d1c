import { UsageError } from './cli-errors';
import { isLoopback, LOCAL_DEV_KEY, resolveConnection } from './connection';

describe('resolveConnection', () => {
  it('takes --url over ASES_URL over the default, and --key over ASES_API_KEY', () => {
    const env = { ASES_URL: 'https://mail.example.com', ASES_API_KEY: 'env-key' };
    expect(resolveConnection({}, env)).toEqual({
      url: new URL('https://mail.example.com'),
      key: 'env-key',
    });
    expect(resolveConnection({ url: 'http://other:8080/ases', key: 'flag-key' }, env)).toEqual({
      url: new URL('http://other:8080/ases'),
      key: 'flag-key',
    });
    expect(resolveConnection({}, { ASES_API_KEY: 'k' }).url.href).toBe('http://localhost:3000/');
  });

  it('tries the local stack key on a loopback server, and says so', () => {
    const connection = resolveConnection({ url: 'http://127.0.0.1:3000' }, { ASES_API_KEY: '' });
    expect(connection.key).toBe(LOCAL_DEV_KEY);
    expect(connection.note).toContain('no --key or ASES_API_KEY');
  });

  it('refuses to go without a key to any other server', () => {
    expect(() => resolveConnection({ url: 'https://mail.example.com' }, {})).toThrow(
      new UsageError(
        'no API key for https://mail.example.com: give --key <key> or set ASES_API_KEY',
      ),
    );
  });

  it('names the flag or variable of a bad URL', () => {
    expect(() => resolveConnection({ url: 'nope' }, {})).toThrow('--url "nope" is not a URL');
    expect(() => resolveConnection({}, { ASES_URL: 'ftp://x' })).toThrow(
      'ASES_URL "ftp://x" must be an http:// or https:// URL',
    );
  });

  it('knows loopback hosts', () => {
    expect(
      ['localhost', 'api.localhost', '127.0.0.1', '127.1.2.3', '[::1]'].map(isLoopback),
    ).toEqual([true, true, true, true, true]);
    expect(['example.com', '10.0.0.1', '127.0.0.1.example.com'].map(isLoopback)).toEqual([
      false,
      false,
      false,
    ]);
  });
});
