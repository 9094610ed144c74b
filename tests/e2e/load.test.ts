import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { call, runLoad, stopSwitch } from '../../scripts/e2e/load';

// The e2e's load generator against a local server: every answer that is not the expected status
// is counted by kind, so a zero-failure check can fail.
describe('e2e load', () => {
  let server: Server;
  let url: string;
  let n = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      n++;
      res.statusCode = req.url === '/flaky' && n % 4 === 0 ? 503 : 200;
      res.end(req.headers.connection ?? '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('counts every request and finds none failed against a healthy server', async () => {
    const r = await runLoad({ url: `${url}/ok`, workers: 3, seconds: 5, maxRequests: 60 });
    expect(r).toMatchObject({ sent: 60, ok: 60, failed: 0, failures: {} });
  });

  it('counts wrong statuses and refused connections by kind', async () => {
    n = 0;
    const flaky = await runLoad({ url: `${url}/flaky`, workers: 1, seconds: 5, maxRequests: 8 });
    expect(flaky).toMatchObject({ sent: 8, ok: 6, failed: 2, failures: { 'status 503': 2 } });
    const refused = await runLoad({
      url: 'http://127.0.0.1:1/',
      workers: 1,
      seconds: 5,
      maxRequests: 2,
    });
    expect(refused.failures).toEqual({ ECONNREFUSED: 2 });
  });

  it('stops early when switched off, and opens a new connection per request', async () => {
    stopSwitch.stopped = true;
    try {
      expect((await runLoad({ url, workers: 2, seconds: 5, maxRequests: 10 })).sent).toBe(0);
    } finally {
      stopSwitch.stopped = false;
    }
    expect(await call({ url })).toEqual({ status: 200, body: 'close' });
  });
});
