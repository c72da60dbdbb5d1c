import {
  LOCAL_STACK_INSTALL_COMMAND,
  LocalStackPackageMissingError,
  loadLocalStackPackage,
} from './optional-packages';

/** An error shaped as Node's (or Jest's) when a module cannot be found. */
function notFound(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('loadLocalStackPackage', () => {
  it('returns what the loader loads', async () => {
    await expect(
      loadLocalStackPackage('fauxqs', () => Promise.resolve({ ok: 1 })),
    ).resolves.toEqual({ ok: 1 });
  });

  it.each([
    ['import()', 'ERR_MODULE_NOT_FOUND', "Cannot find package 'fauxqs' imported from /app/x.js"],
    ['require()', 'MODULE_NOT_FOUND', "Cannot find module 'fauxqs'\nRequire stack:\n- /app/x.js"],
  ])('names a package %s cannot find and the command installing it', async (_, code, message) => {
    const error = notFound(code, message);
    const loading = loadLocalStackPackage('fauxqs', () => Promise.reject(error));

    await expect(loading).rejects.toBeInstanceOf(LocalStackPackageMissingError);
    await expect(loading).rejects.toMatchObject({
      packageName: 'fauxqs',
      cause: error,
      message:
        'the local stack needs fauxqs, an optional dependency of ases that is not installed; ' +
        "install the local stack's packages with: npm install -D fauxqs@^1.9.2 " +
        'aws-ses-v2-local@^2.10.2 @aws-sdk/client-sns@^3.1169.0',
    });
  });

  it('knows a missing scoped package and a missing subpath of it', async () => {
    const loading = loadLocalStackPackage('@aws-sdk/client-sns', () =>
      Promise.reject(notFound('MODULE_NOT_FOUND', "Cannot find module '@aws-sdk/client-sns'")),
    );
    await expect(loading).rejects.toThrow('the local stack needs @aws-sdk/client-sns');
    await expect(
      loadLocalStackPackage('aws-ses-v2-local', () =>
        Promise.reject(
          notFound('MODULE_NOT_FOUND', "Cannot find module 'aws-ses-v2-local/dist/util'"),
        ),
      ),
    ).rejects.toBeInstanceOf(LocalStackPackageMissingError);
  });

  it("passes on the error of a dependency of the package, or of another package's name", async () => {
    const dependency = notFound('ERR_MODULE_NOT_FOUND', "Cannot find package 'fastify' imported");
    await expect(loadLocalStackPackage('fauxqs', () => Promise.reject(dependency))).rejects.toBe(
      dependency,
    );
    const lookalike = notFound('MODULE_NOT_FOUND', "Cannot find module 'fauxqs-extra'");
    await expect(loadLocalStackPackage('fauxqs', () => Promise.reject(lookalike))).rejects.toBe(
      lookalike,
    );
    const other = new Error('boom');
    await expect(loadLocalStackPackage('fauxqs', () => Promise.reject(other))).rejects.toBe(other);
  });

  it('installs every package of the local stack in one command', () => {
    expect(LOCAL_STACK_INSTALL_COMMAND).toBe(
      'npm install -D fauxqs@^1.9.2 aws-ses-v2-local@^2.10.2 @aws-sdk/client-sns@^3.1169.0',
    );
  });
});
