import { registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';

/** The validated environment, as a @nestjs/config namespace (`environmentConfig.KEY`). */
export const environmentConfig = registerAs('environment', () => validateEnvironment(process.env));
