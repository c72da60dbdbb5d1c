// setupFiles of the e2e-cluster Jest project: the same e2e specs, against the test Redis Cluster
// (test/helpers/test-redis.ts reads this before any spec imports it).
process.env.ASES_TEST_REDIS = 'cluster';
