import * as pulumi from '@pulumi/pulumi';

// The Pulumi program under mocks: no engine, no cloud. Resources the layers register will be
// answered by `newResource`; today the program only reads its configuration.

beforeAll(() => {
  pulumi.runtime.setAllConfig({ 'k8s-platform:environment': 'prod' });
  return pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    'k8s-platform',
    'prod',
    false,
  );
});

describe('the Pulumi program', () => {
  it('reads the stack configuration and exports the environment and target', async () => {
    const program = await import('../../infra/index');
    expect(program.environment).toBe('prod');
    expect(program.target).toBe('gcp');
  });
});
