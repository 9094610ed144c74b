// The strict custom-resource decoder lives with the verify scripts, which use it too.
export { checkCustomResources, type CrdResult } from '../../scripts/verify/crdcheck';
