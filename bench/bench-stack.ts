import type { Redis } from 'ioredis';
import { Fleet, FleetOptions } from './fleet';
import { MessageStore } from './message-store';
import { SesStubProcess, SesStubProcessOptions } from './ses-stub-process';

/** What a scenario runs on: the SES stub, fauxqs with the app processes, and their Redis records. */
export interface BenchStack {
  stub: SesStubProcess;
  fleet: Fleet;
  store: MessageStore;
}

/**
 * Starts the SES stub and fauxqs (apps are the scenario's to start), runs `work` on them and
 * always takes everything down again, in this order: the apps first (a running app could write
 * keys again after they were deleted), the stub, then the run's Redis keys.
 */
export async function withBenchStack<T>(
  options: Omit<FleetOptions, 'sesEndpoint'> & {
    stub: SesStubProcessOptions;
    redis: Redis;
    log: (text: string) => void;
  },
  work: (stack: BenchStack) => Promise<T>,
): Promise<T> {
  const { stub: stubOptions, redis, log, ...fleetOptions } = options;
  let stub: SesStubProcess | undefined;
  let fleet: Fleet | undefined;
  let store: MessageStore | undefined;
  try {
    stub = await SesStubProcess.start(stubOptions, fleetOptions.root);
    fleet = new Fleet({ ...fleetOptions, sesEndpoint: stub.url });
    store = new MessageStore(redis, fleet.redisKeyPrefix);
    await fleet.startSqs();
    return await work({ stub, fleet, store });
  } finally {
    await fleet?.stop();
    await stub?.close();
    if (store) {
      const deleted = await store.deleteAll();
      log(`stopped; deleted ${deleted} Redis keys under ${fleet?.redisKeyPrefix}`);
    }
  }
}
