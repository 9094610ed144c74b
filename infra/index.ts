// The Pulumi program (`pulumi up`). Data flows one way: config -> cluster -> platform -> apps.
// Today it validates the stack configuration and reports the environment it describes; the
// cluster layer (infra/cluster) and the platform layer (infra/platform) plug in below as they
// land, each receiving the k8s.Provider of the layer before it.
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from './config/stack';

const config = new pulumi.Config('k8s-platform');
const stack = readStackConfig((key) => config.get(key));

export const environment = stack.environment;
export const target = stack.target;
