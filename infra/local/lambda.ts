import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../../functions/app/types.ts';
import type { LocalFaults } from './aws/faults.ts';

/**
 * Loads the declared handler modules (the very files CDK bundles) and invokes them with a Lambda
 * context, enforcing each function's timeout as Lambda does. Everything runs in this process, so
 * handler code must keep no per-invocation state in module scope (it does not: see logger.ts).
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class FunctionTimeout extends Error {
  override name = 'FunctionTimeout';
}

/** A `CrashAfterCommit` fault: the handler finished, but its invocation is reported failed. */
export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

export interface Invocation {
  function: string;
  ok: boolean;
  durationMs: number;
}

export class LocalLambda {
  private readonly specs: Map<string, FunctionSpec>;
  private readonly modules = new Map<string, Promise<Handler>>();
  private readonly listeners: Array<(invocation: Invocation) => void> = [];

  constructor(
    functions: FunctionSpec[],
    private readonly options: {
      root: string;
      functionArnPrefix: string;
      faults?: LocalFaults;
      /** The ahead-of-time build to import handlers from (infra/local/build.js), else their sources. */
      build?: string;
    },
  ) {
    this.specs = new Map(functions.map((f) => [f.name, f]));
  }

  /** Imports every handler now, so a configuration error stops start-up instead of a request. */
  async preload(): Promise<void> {
    await Promise.all([...this.specs.keys()].map((name) => this.handler(name)));
  }

  onInvocation(listener: (invocation: Invocation) => void): void {
    this.listeners.push(listener);
  }

  private handler(name: string): Promise<Handler> {
    let loaded = this.modules.get(name);
    if (!loaded) {
      const spec = this.specs.get(name);
      if (!spec) throw new Error(`No declared function ${name}.`);
      const file = this.options.build
        ? resolve(this.options.build, spec.entry.replace(/\.ts$/, '.js'))
        : resolve(this.options.root, spec.entry);
      loaded = import(pathToFileURL(file).href).then((module) => {
        if (typeof module.handler !== 'function') throw new Error(`${spec.entry} does not export a handler.`);
        return module.handler as Handler;
      });
      this.modules.set(name, loaded);
    }
    return loaded;
  }

  timeoutSeconds(name: string): number {
    const spec = this.specs.get(name);
    return spec?.timeoutSeconds ?? 60;
  }

  invoke = async (name: string, event: unknown): Promise<unknown> => {
    const handler = await this.handler(name);
    const spec = this.specs.get(name)!;
    const timeoutMs = (spec.timeoutSeconds ?? 60) * 1000;
    const started = Date.now();
    const deadline = started + timeoutMs;
    const context = {
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `${this.options.functionArnPrefix}${name}`,
      memoryLimitInMB: String(spec.memoryMb ?? 512),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } satisfies Context;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FunctionTimeout(`${name} timed out after ${timeoutMs / 1000} seconds`)),
        timeoutMs,
      );
    });
    let ok = false;
    try {
      const result = await Promise.race([handler(event, context), timedOut]);
      if (this.options.faults?.take('lambda', name))
        throw new InjectedCrash(`${name} crashed after its handler returned (an injected fault)`);
      ok = true;
      return result;
    } finally {
      clearTimeout(timer);
      const invocation = { function: name, ok, durationMs: Date.now() - started };
      for (const listener of this.listeners) listener(invocation);
    }
  };
}
