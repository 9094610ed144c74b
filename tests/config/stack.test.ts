import { ConfigError } from '../../infra/config/errors';
import { readStackConfig } from '../../infra/config/stack';

function read(values: Record<string, string>): ReturnType<typeof readStackConfig> {
  return readStackConfig((key) => values[key]);
}

describe('stack configuration', () => {
  it('defaults the target from the environment and the context to minikube', () => {
    expect(read({ environment: 'dev' })).toEqual({
      environment: 'dev',
      target: 'minikube',
      kubeContext: 'minikube',
    });
    expect(read({ environment: 'prod' }).target).toBe('gcp');
  });
  it('takes explicit values', () => {
    expect(read({ environment: 'staging', target: 'minikube', kubeContext: 'kind-test' })).toEqual({
      environment: 'staging',
      target: 'minikube',
      kubeContext: 'kind-test',
    });
  });
  it('requires the environment', () => {
    expect(() => read({})).toThrow(
      'k8s-platform.environment = undefined is invalid: must be one of "dev", "staging", "prod" (pulumi config set environment <name>)',
    );
  });
  it('refuses an unknown target', () => {
    expect(() => read({ environment: 'dev', target: 'aws' })).toThrow(
      new ConfigError([
        { key: 'k8s-platform.target', value: 'aws', allowed: 'one of "minikube", "gcp"' },
      ]),
    );
  });
  it('refuses a context name with spaces', () => {
    expect(() => read({ environment: 'dev', kubeContext: 'my context' })).toThrow(
      'k8s-platform.kubeContext = "my context" is invalid: must be a kubeconfig context name',
    );
  });
});
