import { ContactErased, ContactMergeRequested, ImportQueued } from '../../events/contacts.ts';
import { chunkMessages } from '../../shared/contacts/imports.ts';
import { performMerge, sweepErasedContact } from '../../shared/contacts/privacy.ts';
import { sendMessages } from '../../shared/platform/aws/queues.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/**
 * The address book's background work, each step idempotent: queuing an import's chunks twice is
 * harmless (a chunk is counted once, when marked done); merge and erasure resume where they stopped.
 */
export const handler = eventHandler(
  'contacts-jobs',
  [ImportQueued, ContactMergeRequested, ContactErased],
  async (event, ctx) => {
    switch (event.type) {
      case 'ImportQueued':
        await sendMessages('contacts-import', await chunkMessages(ctx, event.detail.importId));
        return;
      case 'ContactMergeRequested':
        await performMerge(ctx, event.detail.contactId, event.detail.duplicateId);
        return;
      case 'ContactErased':
        await sweepErasedContact(ctx, event.detail.contactId);
        return;
    }
  },
);
