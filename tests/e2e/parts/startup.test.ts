import { everySecond } from '../../../scripts/e2e/parts/startup';

describe("the startup part's probes", () => {
  it('run every second and allow the same time before giving up', () => {
    const probe = {
      httpGet: { path: '/actuator/health/liveness' },
      periodSeconds: 5,
      failureThreshold: 24,
    };
    expect(everySecond(probe)).toEqual({ ...probe, periodSeconds: 1, failureThreshold: 120 });
  });

  it("take Kubernetes' defaults (10 s, 3 failures) when the probe leaves them out", () => {
    expect(everySecond({ timeoutSeconds: 2 })).toEqual({
      timeoutSeconds: 2,
      periodSeconds: 1,
      failureThreshold: 30,
    });
  });

  it('leave an absent probe absent', () => {
    expect(everySecond(undefined)).toBeUndefined();
  });
});
