// Preloaded into the cdk8s CLI (`node -r`) by import.ts so that `cdk8s import k8s@<version>`
// runs offline: the one URL the CLI would download the Kubernetes schema from is answered from
// the local file named by CDK8S_K8S_SCHEMA, and every other HTTP(S) request fails loudly, which
// proves the import touched no network. The CLI itself, its code generator and its output are
// unchanged; only where the schema bytes come from differs. Importing this file patches Node's
// http and https for the whole process: import schemaUrl from ./schema-url instead.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import { schemaUrl } from './schema-url';

type Callback = (response: PassThrough & { statusCode: number; headers: object }) => void;

function answer(url: string, callback: Callback | undefined): EventEmitter {
  const request = Object.assign(new EventEmitter(), { end: () => request });
  const schema = process.env.CDK8S_K8S_SCHEMA;
  const version = process.env.CDK8S_K8S_VERSION;
  if (schema === undefined || version === undefined || url !== schemaUrl(version)) {
    process.nextTick(() =>
      request.emit('error', new Error(`offline import: no network request allowed (${url})`)),
    );
    return request;
  }
  const response = Object.assign(new PassThrough(), { statusCode: 200, headers: {} });
  process.nextTick(() => {
    callback?.(response);
    response.end(readFileSync(schema));
  });
  return request;
}

function intercept(...args: unknown[]): EventEmitter {
  const url = args[0] instanceof URL ? args[0].href : String(args[0]);
  const callback = args.find((a): a is Callback => typeof a === 'function');
  return answer(url, callback);
}

for (const module of [http, https]) {
  Object.assign(module, { get: intercept, request: intercept });
}
