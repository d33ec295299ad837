// Instance settings every Slipway machine shares, whatever launches it: IMDSv2 only, with a
// hop limit of 1, so a container on a Docker bridge network (every app) never gets a
// metadata token and so never the instance role's credentials. Platform containers run on
// the host network, where one hop is enough (the control plane's Auto Scaling client needs the
// role; the agent needs nothing from IMDS: the host writes its instance id, address and ECR
// credentials for it). The same limit keeps the user-data (the engine hosts' enrollment
// secret) out of every app container's reach.
// And an encrypted root volume.
import { ROOT_DEVICE } from './ami.js';

export const METADATA_OPTIONS = {
  httpEndpoint: 'enabled',
  httpTokens: 'required',
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: 'disabled',
} as const;

/** Block device mapping of an encrypted gp3 root volume (launch template form). */
export function encryptedRootVolume(sizeGb: number) {
  return {
    deviceName: ROOT_DEVICE,
    ebs: { encrypted: 'true', volumeSize: sizeGb, volumeType: 'gp3', deleteOnTermination: 'true' },
  };
}
