'use strict';
// Drives the issuance module of `eds agent` with eds_agent/js/eds-agent-client.js, the way the
// portal page will: prints the CSRs as one JSON line, reads the issued certificates as one JSON line
// from stdin, installs them, prints the result. Usage: node drive-issuance.js URL PERSON_JSON PASSWORD
globalThis.WebSocket = require('ws'); // Node 20 has no global WebSocket
const readline = require('node:readline');
const path = require('node:path');
const { EdsAgent } = require(path.join(__dirname, '..', '..', '..', 'eds_agent', 'js', 'eds-agent-client.js'));

function nextLine() {
  const input = readline.createInterface({ input: process.stdin });
  return new Promise((resolve) => input.once('line', (line) => { input.close(); resolve(line); }));
}

async function outcome(promise) {
  try {
    return { ok: await promise };
  } catch (error) {
    return { error: { name: error.name, code: error.code, cancelled: error.cancelled, message: error.message } };
  }
}

async function main() {
  const [url, personJson, password] = process.argv.slice(2);
  const person = JSON.parse(personJson);
  const unreachable = await outcome(new EdsAgent('ws://127.0.0.1:9').connect(2000));
  const agent = new EdsAgent(url);
  const version = await agent.connect();
  const info = await agent.version();
  const folder = await agent.chooseStore();
  const requests = await agent.makeRequests(person);
  process.stdout.write(`${JSON.stringify({ unreachable, version, info, folder, requests })}\n`);
  const issued = JSON.parse(await nextLine());
  const strangers = await outcome(agent.installCertificates({ ...issued, enrolmentId: 'not-mine', password }));
  const weak = await outcome(agent.installCertificates({ ...issued, enrolmentId: person.enrolmentId, password: 'abc' }));
  const installed = await agent.installCertificates({ ...issued, enrolmentId: person.enrolmentId, password });
  const keys = await agent.listKeys();
  process.stdout.write(`${JSON.stringify({ strangers, weak, installed, keys })}\n`);
  agent.close();
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error.name}: ${error.code || ''} ${error.message}\n`);
  process.exit(1);
});
