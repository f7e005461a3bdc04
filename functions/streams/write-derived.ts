import { writeDerived } from '../../shared/platform/derived.ts';
import { streamHandler } from '../../shared/platform/streams.ts';

/** History and timeline entries of committed changes, written from their outbox items. */
export const handler = streamHandler('write-derived', writeDerived);
