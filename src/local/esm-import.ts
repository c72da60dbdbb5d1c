import vm from 'node:vm';

type Importer = <T>(specifier: string) => Promise<T>;

/**
 * Loads an ES module from CommonJS code. Under `module: commonjs` TypeScript rewrites `import()`
 * to `require()`, which cannot load ES modules such as fauxqs; a function built at run time keeps
 * the real `import()`.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const plainImport = new Function('specifier', 'return import(specifier)') as Importer;

let mainContextImport: Importer | undefined;

/**
 * The same `import()`, compiled to use Node's own loader: code run in a `vm` context (a Jest test
 * file) has no loader for it unless Jest runs with `--experimental-vm-modules`, yet a host's test
 * file is where a stack of its own is wanted. Built only when needed, as Node warns that the
 * option is experimental.
 */
function importThroughMainContext<T>(specifier: string): Promise<T> {
  // Node 20.12 and later have it.
  const loader = (vm.constants as Partial<typeof vm.constants> | undefined)
    ?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (loader === undefined) {
    throw new Error(
      `cannot load the ES module ${specifier} inside a vm context on Node ${process.version}: ` +
        'start the local stack outside it (e.g. in a Jest globalSetup) or run Jest with ' +
        'NODE_OPTIONS=--experimental-vm-modules',
    );
  }
  mainContextImport ??= new vm.Script('(specifier) => import(specifier)', {
    // Resolved from here, as a plain import() would be, not from the working directory.
    filename: __filename,
    importModuleDynamically: loader,
  }).runInThisContext() as Importer;
  return mainContextImport<T>(specifier);
}

/** `import()` of an ES module from CommonJS code, in plain Node and inside Jest test files. */
export async function esmImport<T>(specifier: string): Promise<T> {
  try {
    return await plainImport<T>(specifier);
  } catch (error) {
    if (!isMissingVmImportCallback(error)) {
      throw error;
    }
  }
  return importThroughMainContext<T>(specifier);
}

function isMissingVmImportCallback(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING');
}
