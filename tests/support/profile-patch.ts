// Preloaded (`ts-node -r`) into a real `npm run synth` process by tests: merges the JSON in
// $SYNTH_PROFILE_PATCH (`{ "<env>": { <SpringApiProps fields> } }`) over the profiles of
// infra/apps/environments.ts, so a test can run main.ts end to end with a bad profile without
// editing the product.
import * as environments from '../../infra/apps/environments';
import { SpringApiProps } from '../../infra/apps/spring-api/props';

type Profiles = typeof environments.springApiProfiles;

const patch = JSON.parse(process.env.SYNTH_PROFILE_PATCH ?? '{}') as Record<
  string,
  Partial<SpringApiProps>
>;
const original = environments.springApiProfiles;
const patched: Profiles = (devSecrets) => {
  const all = original(devSecrets);
  for (const [env, fields] of Object.entries(patch)) {
    const name = env as keyof typeof all;
    all[name] = { ...all[name], ...fields };
  }
  return all;
};
(environments as { springApiProfiles: Profiles }).springApiProfiles = patched;
