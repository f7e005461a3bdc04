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
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { caseRoutes, caseSettingsRoutes, documentRoutes } from '../app/cases.ts';
import { recordKinds } from '../app/records.ts';

// Cases load with the function; documents (with the S3 client and the URL presigner) load on the
// first request about a document, not at every cold start.
const documents = () => import('../../shared/documents/documents.ts');

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
    createDocument: async ({ ctx, body }) => (await documents()).presignUpload(ctx, body),
    completeDocument: async ({ ctx, params }) => (await documents()).completeUpload(ctx, params.id),
    getCaseSettings: ({ ctx }) => getCaseSettings(ctx),
    putCaseSettings: ({ ctx, body }) => putCaseSettings(ctx, body),
    listDocuments: async ({ ctx, query }) =>
      (await documents()).listDocuments(ctx, { kind: query.kind, id: query.id }, query),
    getDocument: async ({ ctx, params }) => (await documents()).getDocument(ctx, params.id),
    downloadDocument: async ({ ctx, params }) => (await documents()).downloadDocument(ctx, params.id),
  },
  { records: recordKinds },
);
