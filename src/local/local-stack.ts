import { DEFAULT_QUEUES, LOCAL_S3_BUCKET } from '../core/ases-options';
import type {
  ProvisionedSesFeedback,
  SesFeedbackQueues,
  SesFeedbackTopics,
} from './aws-provisioner';
import { esmImport } from './esm-import';
import { errorMessage, silentLogger, type LocalStackLogger } from './local-logger';
import { LOCAL_STACK_CREDENTIALS, localStackEnv } from './local-stack.config';
import { loadLocalStackPackage } from './optional-packages';

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Region of the SDK clients, ARNs and queue URLs. Default `us-east-1`. */
  region: string;
  /** Port of the SQS + SNS + S3 endpoint (fauxqs); 0 picks a free one. Default 0. */
  sqsPort: number;
  /** Port of the SES endpoint; 0 picks a free one. Default 0. */
  sesPort: number;
  /**
   * Queue names; each feedback queue gets a `<name>-topic` SNS topic, the stack's default.
   * Default: ases's default queue names (`ases-sendmail`, `ases-bounces`, ...).
   */
  queues: SesFeedbackQueues;
  /** An extra queue for all SES event types (SES_EVENTS_QUEUE), created when given. Default none. */
  eventsQueue?: string;
  /** The claim-check bucket (S3_BUCKET), created on fauxqs's S3. Default `ases-local`. */
  s3Bucket?: string;
  /** Delay between a send and its first notifications. Default 150 ms. */
  simulatorDelayMs?: number;
  /** Default: silent. */
  logger?: LocalStackLogger;
}

/** A running local AWS stack. */
export interface LocalStack {
  region: string;
  /** SQS endpoint, e.g. `http://127.0.0.1:4566`. */
  sqsEndpoint: string;
  /** SNS endpoint (the same server as SQS). */
  snsEndpoint: string;
  /** S3 endpoint (the same server as SQS); address it path-style. */
  s3Endpoint: string;
  /** The claim-check bucket, created. */
  s3Bucket: string;
  /** SES endpoint, e.g. `http://127.0.0.1:8005`. */
  sesEndpoint: string;
  /** Web viewer of the mail sent. */
  viewerUrl: string;
  queueUrls: SesFeedbackQueues;
  /** The default topics: notifications of identities without topics of their own go there. */
  topicArns: SesFeedbackTopics;
  /** The credentials to sign with (the stack accepts any). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The endpoints by service, as `AsesModule.forRoot({ endpoints })` and the SDK take them. */
  endpoints: { sqs: string; sns: string; ses: string; s3: string };
  /**
   * The environment a process needs to use this stack: `AWS_ENDPOINT_URL_SQS`, `_SNS`, `_SES`,
   * `_S3`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `S3_BUCKET`.
   */
  env: Record<string, string>;
  /** The AWS part of `AsesModule.forRoot({...})` for this stack, to spread into the options. */
  asesOptions(): LocalStackAsesOptions;
  /** Stops every server and client of the stack; safe to call twice. */
  stop(): Promise<void>;
}

/** What {@link LocalStack.asesOptions} returns: ases's AWS options pointed at the stack. */
export interface LocalStackAsesOptions {
  region: string;
  endpoints: { sqs: string; ses: string; s3: string };
  credentials: { accessKeyId: string; secretAccessKey: string };
  s3Bucket: string;
}

interface FauxqsModule {
  startFauxqs: (options: {
    port: number;
    logger: boolean;
    defaultRegion: string;
  }) => Promise<{ port: number; stop(): Promise<void> }>;
}

/**
 * Starts the local AWS stack for development and tests: fauxqs (SQS + SNS + S3), the local SES
 * endpoint with the mailbox simulator, and the queues, topics and bucket ases needs, provisioned
 * through the SDK. Every option has a default; the ports default to free ones, so that test
 * files running in parallel each get a stack of their own.
 *
 * Needs the optional dependencies fauxqs, aws-ses-v2-local and `@aws-sdk/client-sns`; throws a
 * `LocalStackPackageMissingError` naming the one missing and the install command otherwise.
 */
export async function startLocalStack(given: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  const options: LocalStackOptions = {
    ...given,
    region: given.region ?? 'us-east-1',
    sqsPort: given.sqsPort ?? 0,
    sesPort: given.sesPort ?? 0,
    queues: given.queues ?? { ...DEFAULT_QUEUES },
  };
  const logger = options.logger ?? silentLogger;
  const { region } = options;
  const cleanups: Array<() => Promise<void> | void> = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          logger.warn(`local stack: stopping: ${errorMessage(error)}`);
        }
      }
    })();
    return stopping;
  };

  try {
    // Checked first, so that a missing one is named before anything starts.
    const { startFauxqs } = await loadLocalStackPackage('fauxqs', () =>
      esmImport<FauxqsModule>('fauxqs'),
    );
    await loadLocalStackPackage('aws-ses-v2-local', () => import('aws-ses-v2-local'));
    await loadLocalStackPackage('@aws-sdk/client-sns', () => import('@aws-sdk/client-sns'));
    const fauxqs = await startFauxqs({
      port: options.sqsPort,
      logger: false,
      defaultRegion: region,
    });
    cleanups.push(() => fauxqs.stop());
    const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;

    // Loaded here rather than imported: some are devDependencies, needed only when a stack runs.
    const [
      { SQSClient, CreateQueueCommand },
      { SNSClient },
      { SESClient },
      { S3Client },
      provisioner,
      simulatorModule,
      sesModule,
    ] = await Promise.all([
      import('@aws-sdk/client-sqs'),
      import('@aws-sdk/client-sns'),
      import('@aws-sdk/client-ses'),
      import('@aws-sdk/client-s3'),
      import('./aws-provisioner'),
      import('./mailbox-simulator'),
      import('./local-ses.server'),
    ]);
    const { NotificationTopicsRegistry } = await import('./notification-topics.registry');
    // The SDK marks the credentials object a client is given; callers get copies of their own.
    const credentials = { ...LOCAL_STACK_CREDENTIALS };
    // Without useQueueUrlAsEndpoint: false the SDK sends to the QueueUrl host
    // (sqs.<region>.localhost), which does not resolve.
    const sqs = new SQSClient({
      region,
      endpoint: sqsEndpoint,
      credentials,
      useQueueUrlAsEndpoint: false,
    });
    const sns = new SNSClient({ region, endpoint: sqsEndpoint, credentials });
    // fauxqs serves S3 on the same port; path-style, as `<bucket>.127.0.0.1` does not resolve.
    const s3 = new S3Client({ region, endpoint: sqsEndpoint, credentials, forcePathStyle: true });
    cleanups.push(() => {
      sqs.destroy();
      sns.destroy();
      s3.destroy();
    });

    const registry = new NotificationTopicsRegistry();
    const simulator = new simulatorModule.MailboxSimulator({
      sns,
      routing: registry,
      region,
      delayMs: options.simulatorDelayMs,
      logger,
    });
    cleanups.push(() => simulator.stop());

    const sesServer = new sesModule.LocalSesServer({
      port: options.sesPort,
      registry,
      onMailSent: (mail) => simulator.simulate(mail),
      logger,
    });
    await sesServer.start();
    cleanups.push(() => sesServer.stop());
    const ses = new SESClient({ region, endpoint: sesServer.url, credentials });
    cleanups.push(() => ses.destroy());

    const provisioned: ProvisionedSesFeedback = await provisioner.provisionSesFeedback({
      sqs,
      sns,
      ses,
      queues: options.queues,
    });
    const { queueUrls, topicArns } = provisioned;
    // fauxqs keeps no bucket configuration, so the lifecycle rule may not hold there; nothing
    // local lives 35 days anyway (docs/aws-setup.md has the rule for AWS).
    const { bucket: s3Bucket } = await provisioner.provisionJobBucket({
      s3,
      bucket: options.s3Bucket ?? LOCAL_S3_BUCKET,
      region,
    });
    if (options.eventsQueue !== undefined) {
      // Nothing publishes to it locally; it exists so that a service configured with it starts.
      await sqs.send(new CreateQueueCommand({ QueueName: options.eventsQueue }));
    }
    registry.setDefaults({
      Bounce: topicArns.bounces,
      Complaint: topicArns.complaints,
      Delivery: topicArns.deliveries,
    });
    logger.log(
      `local stack: SQS/SNS/S3 on ${sqsEndpoint} (bucket ${s3Bucket}), SES on ${sesServer.url}`,
    );
    const address = {
      region,
      sqsEndpoint,
      snsEndpoint: sqsEndpoint,
      s3Endpoint: sqsEndpoint,
      s3Bucket,
      sesEndpoint: sesServer.url,
    };
    return {
      ...address,
      viewerUrl: `${sesServer.url}/`,
      queueUrls,
      topicArns,
      credentials: { ...LOCAL_STACK_CREDENTIALS },
      endpoints: { sqs: sqsEndpoint, sns: sqsEndpoint, ses: sesServer.url, s3: sqsEndpoint },
      env: localStackEnv(address),
      asesOptions: () => ({
        region,
        endpoints: { sqs: sqsEndpoint, ses: sesServer.url, s3: sqsEndpoint },
        credentials: { ...LOCAL_STACK_CREDENTIALS },
        s3Bucket,
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
