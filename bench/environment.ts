// Imported first by run.ts: the SDK reads this when its first client is built. Node 20 is this
// project's local baseline; the notice about releases after January 2027 would only interleave
// with the progress bars.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The webhook cases run their receiver on 127.0.0.1: the setting that lets the runtime call it.
process.env.WEBHOOK_ALLOW_LOOPBACK = 'true';
