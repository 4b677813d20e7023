import { dingtalkManifestOutput } from './dingtalk-manifest-output.js';

/** Prints the DingTalk app manifest and install guide filled in for this deployment. */
process.stdout.write(dingtalkManifestOutput());
