/**
 * Loads an ES module from CommonJS code. Under `module: commonjs` TypeScript rewrites `import()`
 * to `require()`, which cannot load ES modules such as fauxqs; a function built at run time keeps
 * the real `import()`. It works in plain Node and in Jest's main process (globalSetup), not inside
 * Jest test workers.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
export const esmImport = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;
