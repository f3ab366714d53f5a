'use strict';
// Drives `eds agent` with the published NCALayer client library (ncalayer-js-client, by sigex-kz),
// exactly as a portal written for NCALayer would, and prints what each call returned as JSON.
// Usage: node drive-agent.js URL DOCUMENT_BASE64 OTHER_IIN
// (Node 20 has no global WebSocket: the library then uses the `ws` package, our dependency.)
const crypto = require('node:crypto');
const { NCALayerClient } = require('ncalayer-js-client');

async function failure(promise) {
  try {
    const value = await promise;
    return { unexpectedSuccess: value };
  } catch (error) {
    return { name: error.name, message: error.message, canceledByUser: Boolean(error.canceledByUser) };
  }
}

async function main() {
  const [url, documentB64, otherIin] = process.argv.slice(2);
  const client = new NCALayerClient(url, false);
  const out = {};
  out.version = await client.connect();
  out.activeTokens = await client.getActiveTokens();
  out.keyInfo = await client.getKeyInfo(NCALayerClient.fileStorageType);
  out.cadesSignature = await client.createCAdESFromBase64('PKCS12', documentB64, 'SIGNATURE', true);
  out.cadesAuthentication = await client.createCAdESFromBase64('PKCS12', documentB64, 'AUTHENTICATION', false);
  // The library's Attached/Detached presets ask for a TSA time-stamp (tsaProfile: {}): eds agent refuses them.
  const attachedNoTsp = { ...NCALayerClient.basicsCMSParamsAttached };
  delete attachedNoTsp.tsaProfile;
  out.basicsAttachedSignPerson = await client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    documentB64,
    attachedNoTsp,
    NCALayerClient.basicsSignerSignPerson,
  );
  out.basicsDetachedAuthPerson = await client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    documentB64,
    NCALayerClient.basicsCMSParamsDetachedNoTSP,
    NCALayerClient.basicsSignerAuthPerson,
  );
  out.basicsTimestampPreset = await failure(client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    documentB64,
    NCALayerClient.basicsCMSParamsDetached,
    NCALayerClient.basicsSignerAny,
  ));
  // A list of one document: the raw answer is a list (as NCALayer answers a list).
  out.basicsListOfOne = await client.basicsSign(
    NCALayerClient.basicsStorageAll,
    'cms',
    [documentB64],
    NCALayerClient.basicsCMSParamsDetachedNoTSP,
    NCALayerClient.basicsSignerAuthPerson,
    'ru',
  );
  out.basicsOtherIin = await failure(client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    documentB64,
    NCALayerClient.basicsCMSParamsDetachedNoTSP,
    { extKeyUsageOids: [], iin: otherIin },
  ));
  out.basicsHardwareOnly = await failure(client.basicsSignCMS(
    NCALayerClient.basicsStorageHardware,
    documentB64,
    NCALayerClient.basicsCMSParamsDetachedNoTSP,
    NCALayerClient.basicsSignerAny,
  ));
  out.keyInfoOnToken = await failure(client.getKeyInfo('AKKaztokenStore'));
  // Signing a hash the page computed (large files): commonUtils and basics with digested: true.
  const hashB64 = crypto.createHash('sha256').update(Buffer.from(documentB64, 'base64')).digest('base64');
  out.cadesHash = await client.createCAdESFromBase64Hash('PKCS12', hashB64);
  const detachedHashNoTsp = { ...NCALayerClient.basicsCMSParamsDetachedHash };
  delete detachedHashNoTsp.tsaProfile;
  out.basicsHash = await client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    hashB64,
    detachedHashNoTsp,
    NCALayerClient.basicsSignerSignPerson,
  );
  // A second signature: the CMS createCAdESFromBase64 made is the data to sign (as with NCALayer).
  out.cadesCosigned = await client.createCAdESFromBase64('PKCS12', out.cadesSignature, 'AUTHENTICATION', true);
  // The deprecated time-stamped CMS: refused while the agent has no time-stamp server.
  out.cmsWithTimestamp = await failure(client.createCMSSignatureFromBase64('PKCS12', documentB64, 'SIGNATURE', true));
  // XML: the library's signXml / signXmls (commonUtils) and basicsSignXML (basics.sign, format xml)
  const xml = '<?xml version="1.0" encoding="UTF-8"?><tag>data</tag>';
  out.signXml = await client.signXml(NCALayerClient.fileStorageType, xml);
  out.signXmlAuth = await client.signXml(NCALayerClient.fileStorageType, xml, 'AUTHENTICATION');
  out.signXmls = await client.signXmls(NCALayerClient.fileStorageType, [xml, xml]);
  out.basicsSignXml = await client.basicsSignXML(
    NCALayerClient.basicsStoragePKCS12,
    xml,
    NCALayerClient.basicsXMLParams,
    NCALayerClient.basicsSignerSignAny,
  );
  out.signXmlBroken = await failure(client.signXml(NCALayerClient.fileStorageType, '<this>is not a valid XML'));
  // wait until written: process.exit() would cut a piped output longer than the pipe's 64 KiB
  await new Promise((resolve) => { process.stdout.write(`${JSON.stringify(out)}\n`, resolve); });
  client.wsConnection.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exit(1);
  },
);
