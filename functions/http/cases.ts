import {
  createCase,
  getCase,
  getCaseMessage,
  listCaseMessages,
  listCases,
  logCall,
  postReply,
  updateCase,
} from '../../shared/cases/cases.ts';
import { getCaseSettings, putCaseSettings } from '../../shared/cases/settings.ts';
import {
  completeUpload,
  downloadDocument,
  getDocument,
  listDocuments,
  presignUpload,
} from '../../shared/documents/documents.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { caseRoutes, caseSettingsRoutes, documentRoutes } from '../app/cases.ts';
import { recordKinds } from '../app/records.ts';

export const handler = httpHandler(
  { ...caseRoutes, ...caseSettingsRoutes, ...documentRoutes },
  {
    createCase: ({ ctx, body }) => createCase(ctx, body),
    listCases: ({ ctx, query }) => listCases(ctx, query),
    getCase: ({ ctx, params }) => getCase(ctx, params.id),
    updateCase: ({ ctx, params, body, ifMatch }) => updateCase(ctx, params.id, body, ifMatch),
    listCaseMessages: ({ ctx, params, query }) => listCaseMessages(ctx, params.id, query),
    getCaseMessage: async ({ ctx, params }) => {
      await getCase(ctx, params.id);
      return getCaseMessage(ctx, params.id, params.messageId);
    },
    replyToCase: ({ ctx, params, body }) => postReply(ctx, params.id, body),
    logCaseCall: ({ ctx, params, body }) => logCall(ctx, params.id, body),
    createDocument: ({ ctx, body }) => presignUpload(ctx, body),
    completeDocument: ({ ctx, params }) => completeUpload(ctx, params.id),
    getCaseSettings: ({ ctx }) => getCaseSettings(ctx),
    putCaseSettings: ({ ctx, body }) => putCaseSettings(ctx, body),
    listDocuments: ({ ctx, query }) => listDocuments(ctx, { kind: query.kind, id: query.id }, query),
    getDocument: ({ ctx, params }) => getDocument(ctx, params.id),
    downloadDocument: ({ ctx, params }) => downloadDocument(ctx, params.id),
  },
  { records: recordKinds },
);
