import autocannon from 'autocannon';

/**
 * The load generator, in a process of its own so that it does not share the API's event loop:
 * `node --import tsx bench/load-worker.ts '<json options>'` prints autocannon's result as JSON.
 * Each request reads the next contact of the list, round robin.
 */
interface LoadOptions {
  url: string;
  apiKey: string;
  paths: string[];
  connections: number;
  seconds: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
let next = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.seconds,
  headers: { authorization: `Bearer ${options.apiKey}` },
  requests: [
    {
      method: 'GET',
      setupRequest: (request) => ({ ...request, path: options.paths[next++ % options.paths.length]! }),
    },
  ],
});
process.stdout.write(JSON.stringify(result));
