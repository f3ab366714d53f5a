'use strict';
// The published NCALayer client's time-stamp presets (tsaProfile: {}) against `eds agent --tsa-url`:
// prints the CAdES-T signatures it gets back as JSON.
// Usage: node drive-agent-tsa.js URL DOCUMENT_BASE64
const { NCALayerClient } = require('ncalayer-js-client');

async function main() {
  const [url, documentB64] = process.argv.slice(2);
  const client = new NCALayerClient(url, false);
  await client.connect();
  const out = {};
  out.attached = await client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    documentB64,
    NCALayerClient.basicsCMSParamsAttached,
    NCALayerClient.basicsSignerSignPerson,
  );
  out.detached = await client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    documentB64,
    NCALayerClient.basicsCMSParamsDetached,
    NCALayerClient.basicsSignerSignPerson,
  );
  process.stdout.write(`${JSON.stringify(out)}\n`);
  client.wsConnection.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exit(1);
  },
);
