import { pulumiPolicyHcl } from '../../../infra/platform/vault/pulumi-policy';

// `npm run verify` applies the configuration with a token of this policy against OpenBao, which
// proves it sufficient and that the token cannot rewrite its own policy or login; here its exact
// text, so that a widening shows in review.
describe('the Pulumi token policy', () => {
  it('grants the auth method, the KV mount, and app policies, roles and secrets; denies itself', () => {
    const crud = '"create", "read", "update", "delete"';
    const rule = (p: string, c: string) => `path "${p}" {\n  capabilities = [${c}]\n}\n`;
    expect(pulumiPolicyHcl()).toBe(
      [
        rule('sys/auth', '"read"'),
        rule('sys/auth/kubernetes', `${crud}, "sudo"`),
        rule('sys/auth/kubernetes/tune', '"read", "update"'),
        rule('auth/kubernetes/config', crud),
        rule('auth/kubernetes/role/*', `${crud}, "list"`),
        rule('sys/mounts', '"read"'),
        rule('sys/mounts/secret', crud),
        rule('sys/mounts/secret/tune', '"read", "update"'),
        rule('sys/policies/acl/*', `${crud}, "list"`),
        rule('sys/policies/acl/k8s-platform-pulumi', '"deny"'),
        rule('secret/data/*', crud),
        rule('secret/metadata/*', `${crud}, "list"`),
      ].join('\n'),
    );
  });

  it('never names the login mount the init step uses, so the token cannot change its own login', () => {
    expect(pulumiPolicyHcl()).not.toContain('kubernetes-deployer');
  });
});
