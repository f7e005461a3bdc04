import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { readEnv } from '../config.ts';
import { lazy } from '../lazy.ts';

/**
 * The S3 client of the process. Path-style addressing is configuration (`S3_FORCE_PATH_STYLE`),
 * set where an S3 endpoint serves buckets as paths (the local runtime's S3); on AWS the SDK's
 * default, virtual-hosted addressing, applies.
 */
const env = readEnv({ S3_FORCE_PATH_STYLE: lazy(() => z.optional(z.enum(['true', 'false']))) });

export const s3 = new S3Client({ forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' });
