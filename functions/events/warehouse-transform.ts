import middy from '@middy/core';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { systemClock } from '../../shared/platform/clock.ts';
import { transformRecords } from '../../shared/warehouse/ingest.ts';

/** Firehose's data transformation for the warehouse's delivery stream (shared/warehouse/ingest.ts). */
export const handler = middy<
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  Error,
  Context
>().handler(async (event) => ({ records: await transformRecords(event.records, systemClock.now()) }));
