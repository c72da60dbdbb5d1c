/**
 * The packages only the local stack needs: optional dependencies of ases, so that a host that
 * never starts a local stack does not install the emulators.
 */
export const LOCAL_STACK_PACKAGES = {
  fauxqs: '^1.9.2',
  'aws-ses-v2-local': '^2.10.2',
  '@aws-sdk/client-sns': '^3.1169.0',
} as const;

export type LocalStackPackage = keyof typeof LOCAL_STACK_PACKAGES;

/** The command that installs every package of {@link LOCAL_STACK_PACKAGES}. */
export const LOCAL_STACK_INSTALL_COMMAND = `npm install -D ${Object.entries(LOCAL_STACK_PACKAGES)
  .map(([name, range]) => `${name}@${range}`)
  .join(' ')}`;

/** The error of a package that is not installed, naming it and how to install it. */
export class LocalStackPackageMissingError extends Error {
  constructor(
    readonly packageName: LocalStackPackage,
    cause: unknown,
  ) {
    super(
      `the local stack needs ${packageName}, an optional dependency of ases that is not ` +
        `installed; install the local stack's packages with: ${LOCAL_STACK_INSTALL_COMMAND}`,
      { cause },
    );
    this.name = 'LocalStackPackageMissingError';
  }
}

/**
 * Loads one of the local stack's packages; when the package itself cannot be found, throws a
 * {@link LocalStackPackageMissingError} instead of Node's "Cannot find module". A package found
 * but failing to load (one of its own dependencies missing, say) throws as it did.
 */
export async function loadLocalStackPackage<T>(
  packageName: LocalStackPackage,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isNotFound(error, packageName)) {
      throw new LocalStackPackageMissingError(packageName, error);
    }
    throw error;
  }
}

/** Node's (and Jest's) not-found error about this very package, not one it depends on. */
function isNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    new RegExp(`['"]${packageName.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/[^'"]*)?['"]`).test(
      message,
    )
  );
}
