import { Agent, request } from 'node:http';

/**
 * A minimal HTTP/1.1 client on one keep-alive agent, as an API client in production would hold
 * its connections open. node:http rather than fetch: fetch's own overhead (about 0.3 ms a call
 * here) would be charged to the API and not to its floor.
 */
export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, read by the cases
  json: any;
}

export class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly baseUrl: string,
    readonly apiKey?: string,
  ) {}

  as(apiKey: string): Client {
    return new Client(this.baseUrl, apiKey);
  }

  send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
            ...(data ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            const isJson = /json/.test(String(res.headers['content-type'] ?? ''));
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: isJson && text ? JSON.parse(text) : undefined,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  get(path: string) {
    return this.send('GET', path);
  }

  post(path: string, body: unknown, headers?: Record<string, string>) {
    return this.send('POST', path, body, headers);
  }

  /** Sends and insists on one status: the data set and the cases build on what they create. */
  async expect(status: number, method: string, path: string, body?: unknown): Promise<Response> {
    const response = await this.send(method, path, body);
    if (response.status !== status)
      throw new Error(`${method} ${path} answered ${response.status}, expected ${status}: ${response.text}`);
    return response;
  }

  close(): void {
    this.agent.destroy();
  }
}
