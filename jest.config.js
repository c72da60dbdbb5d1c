/**
 * Unit specs live beside the code; e2e specs boot the app against Redis and the local AWS stack,
 * once on one Redis server (e2e) and once on a Redis Cluster (e2e-cluster).
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
  // e2e tests wait for SES feedback through real queues; the default 5 s is too short there.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      // The app against a Redis of each test's own, which it stops, pauses and flushes.
      displayName: 'faults',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      // The same e2e specs against a Redis Cluster (127.0.0.1:7000-7002, or REDIS_CLUSTER_NODES;
      // scripts/ensure-redis-cluster.sh starts it).
      displayName: 'e2e-cluster',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      // The host apps embed ases on the one Redis server; once per Node run is enough.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/hosts\\.e2e-spec\\.ts$'],
      transform: { '^.+\\.ts$': tsJest },
      setupFiles: ['<rootDir>/test/helpers/redis-cluster.setup.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
};
