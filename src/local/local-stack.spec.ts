import { startLocalStack } from './local-stack';
import { LocalStackPackageMissingError } from './optional-packages';

// As Node fails a require() of a package that is not installed.
jest.mock('aws-ses-v2-local', () => {
  throw Object.assign(new Error("Cannot find module 'aws-ses-v2-local'\nRequire stack:\n- x"), {
    code: 'MODULE_NOT_FOUND',
  });
});

describe('startLocalStack without an optional dependency', () => {
  it('names the package missing and the command installing them', async () => {
    const starting = startLocalStack();

    await expect(starting).rejects.toBeInstanceOf(LocalStackPackageMissingError);
    await expect(starting).rejects.toThrow(
      'the local stack needs aws-ses-v2-local, an optional dependency of ases that is not ' +
        "installed; install the local stack's packages with: npm install -D fauxqs@^1.9.2 " +
        'aws-ses-v2-local@^2.10.2 @aws-sdk/client-sns@^3.1169.0',
    );
  });
});
