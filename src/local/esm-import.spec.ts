import { esmImport } from './esm-import';
import { LocalStackPackageMissingError, loadLocalStackPackage } from './optional-packages';

// Jest runs this file in a vm context, where a plain import() has no loader: the fallback's case.
describe('esmImport inside a Jest test file', () => {
  it('loads an ES-module-only package', async () => {
    const fauxqs = await esmImport<{ startFauxqs?: unknown }>('fauxqs');
    expect(typeof fauxqs.startFauxqs).toBe('function');
  });

  it('fails on a package not installed as loadLocalStackPackage recognises it', async () => {
    const missing = 'fauxqs-not-installed-anywhere';
    await expect(esmImport(missing)).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    // The same error, as it would come for fauxqs itself.
    const error = await esmImport(missing).then(
      () => undefined,
      (caught: unknown) => caught as Error & { code: string },
    );
    const asFauxqs = Object.assign(new Error(error!.message.replace(missing, 'fauxqs')), {
      code: error!.code,
    });
    await expect(
      loadLocalStackPackage('fauxqs', () => Promise.reject(asFauxqs)),
    ).rejects.toBeInstanceOf(LocalStackPackageMissingError);
  });
});
