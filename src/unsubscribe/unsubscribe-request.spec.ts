import { isOneClickPost } from './unsubscribe-request';

describe('isOneClickPost', () => {
  it.each(['/u/abc.def', '/U/abc.def', '/u/abc.def/', '/u/x'])('takes POST %s', (path) => {
    expect(isOneClickPost('POST', path)).toBe(true);
  });

  it.each([
    ['GET', '/u/abc.def'],
    ['PUT', '/u/abc.def'],
    [undefined, '/u/abc.def'],
    ['POST', '/u/'],
    ['POST', '/u'],
    ['POST', '/u/a/b'],
    ['POST', '/v1/u/abc'],
    ['POST', '/uu/abc'],
  ])('leaves %s %s', (method, path) => {
    expect(isOneClickPost(method, path)).toBe(false);
  });
});
