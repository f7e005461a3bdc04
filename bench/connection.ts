import { connect, type Socket } from 'node:net';

/**
 * One keep-alive HTTP/1.1 connection, for the latency cases: a request is written as one buffer
 * and the answer read by its Content-Length, nothing more (as autocannon does). node:http's client
 * spends about 45 µs a request on its own objects and parser here, in the same process as the API:
 * time the harness would charge to the API and not to its floor. The local API Gateway always
 * answers with a Content-Length (or a 204 without a body).
 */
export interface Answer {
  status: number;
  body: string;
}

export class Connection {
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (answer: Answer) => void; reject: (error: Error) => void };

  constructor(
    private readonly port: number,
    private readonly apiKey: string,
  ) {}

  static async open(baseUrl: string, apiKey: string): Promise<Connection> {
    const connection = new Connection(Number(new URL(baseUrl).port), apiKey);
    await connection.connect();
    return connection;
  }

  private async connect(): Promise<void> {
    const socket = connect(this.port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.read();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('The API closed the connection.')));
    this.socket = socket;
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  private read(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (status !== 204 && !/\r\ncontent-length:/i.test(head)) {
      this.fail(new Error(`An answer without Content-Length: ${head}`));
      return;
    }
    if (this.buffer.length < end + 4 + length) return;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ status, body });
  }

  send(method: string, path: string, body?: unknown): Promise<Answer> {
    if (!this.socket) throw new Error('The connection is not open.');
    if (this.waiting) throw new Error('One request at a time on a connection.');
    const payload = body === undefined ? '' : JSON.stringify(body);
    const head =
      `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${this.port}\r\nauthorization: Bearer ${this.apiKey}\r\n` +
      (payload ? `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n` : '') +
      '\r\n';
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket!.write(head + payload);
    });
  }

  get(path: string): Promise<Answer> {
    return this.send('GET', path);
  }

  close(): void {
    this.socket?.removeAllListeners('close');
    this.socket?.destroy();
  }
}
