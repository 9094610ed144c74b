import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_IMPORT } from '../../infra/apps/spring-api/managed';
import { METRICS_PATH } from '../../infra/apps/spring-api/exposure';
import { SPRING_API_DEFAULTS } from '../../infra/apps/spring-api/resolve';
import { PROBE_PATHS } from '../../infra/apps/spring-api/workload';
import { API_KEY_PROPERTY } from '../../infra/apps/environments';
import { renderedEnvironments } from '../support/fixtures';

// The image cannot be built here (no container engine), so what the manifests assume of it is
// checked against its sources: the Dockerfile, application.yaml and the Java code.
const app = resolve(__dirname, '..', '..', 'apps', 'spring-api');
const dockerfile = readFileSync(join(app, 'Dockerfile'), 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const applicationYaml = parse(
  readFileSync(join(app, 'src/main/resources/application.yaml'), 'utf8'),
);
const javaSource = (path: string): string =>
  readFileSync(join(app, 'src/main/java/dev/k8splatform/springapi', path), 'utf8');

function instruction(name: string): string[] {
  return [...finalStage.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((m) =>
    (m[1] ?? '').trim(),
  );
}

describe('the Spring Boot image and the manifests agree', () => {
  it('runs as the UID and GID the pods enforce', () => {
    expect(instruction('USER')).toEqual([
      `${SPRING_API_DEFAULTS.runAsUser}:${SPRING_API_DEFAULTS.runAsUser}`,
    ]);
  });

  it('exposes the API and management ports the Service and probes use', () => {
    expect(instruction('EXPOSE')).toEqual([
      `${SPRING_API_DEFAULTS.httpPort} ${SPRING_API_DEFAULTS.managementPort}`,
    ]);
    expect(applicationYaml.server.port).toBe(SPRING_API_DEFAULTS.httpPort);
    expect(applicationYaml.management.server.port).toBe(SPRING_API_DEFAULTS.managementPort);
  });

  it('pins every base image by tag, never latest', () => {
    const images = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
    expect(images).toHaveLength(2);
    for (const image of images) expect(image).toMatch(/^[a-z0-9./-]+:(?!latest)[A-Za-z0-9._-]+$/);
  });

  it('uses an Alpine JRE, whose busybox provides the preStop `sleep`', () => {
    const [runtime] = instruction('FROM');
    expect(runtime).toMatch(/-jre-alpine/);
    const deployment = renderedEnvironments().prod.find((o) => o.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.containers[0].lifecycle.preStop.exec.command[0]).toBe(
      'sleep',
    );
  });

  it('writes only to /tmp, the one writable mount under a read-only root filesystem', () => {
    expect(finalStage).toContain('-Djava.io.tmpdir=/tmp');
    const deployment = renderedEnvironments().prod.find((o) => o.kind === 'Deployment') as any;
    const mounts = deployment.spec.template.spec.containers[0].volumeMounts.map(
      (m: any) => m.mountPath,
    );
    expect(mounts).toContain('/tmp');
  });

  it('serves the probe groups and the metrics path the manifests point at', () => {
    expect(applicationYaml.management.endpoint.health.probes.enabled).toBe(true);
    expect(applicationYaml.management.endpoints.web.exposure.include.split(',')).toEqual(
      expect.arrayContaining(['health', 'prometheus']),
    );
    expect(PROBE_PATHS.liveness).toBe('/actuator/health/liveness');
    expect(PROBE_PATHS.readiness).toBe('/actuator/health/readiness');
    expect(METRICS_PATH).toBe('/actuator/prometheus');
  });

  it('shuts down gracefully, as the preStop pause and grace period expect', () => {
    expect(applicationYaml.server.shutdown).toBe('graceful');
  });

  it('binds the secret property the manifests deliver', () => {
    expect(API_KEY_PROPERTY).toBe('app.api-key');
    expect(javaSource('config/ApiProperties.java')).toMatch(
      /prefix = "app"[\s\S]*record ApiProperties\(String apiKey,/,
    );
  });

  it('keeps the heap share of the memory limit the same in the image and the profiles', () => {
    const image = /-XX:MaxRAMPercentage=(\d+)/.exec(finalStage)?.[1];
    const config = renderedEnvironments().prod.find((o) => o.kind === 'ConfigMap') as any;
    expect(config.data.JAVA_TOOL_OPTIONS).toContain(`-XX:MaxRAMPercentage=${image}`);
    expect(CONFIG_IMPORT).toContain('/etc/spring-api/secrets/');
  });
});
