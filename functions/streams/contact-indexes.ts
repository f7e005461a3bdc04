import { reconcileContactIndexes } from '../../shared/contacts/indexes.ts';
import { streamHandler } from '../../shared/platform/streams.ts';

/** Keeps each contact's tag, phone, email and country index items in step with the contact. */
export const handler = streamHandler('contact-indexes', reconcileContactIndexes);
