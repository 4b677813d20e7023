import { feishuManifestOutput } from './feishu-manifest-output.js';

/** Prints the Feishu app manifest and install guide filled in for this deployment (`-- --websocket` for long-connection mode). */
process.stdout.write(feishuManifestOutput(process.argv.slice(2)));
