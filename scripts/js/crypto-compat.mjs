// polkadot.js side of the ichat-crypto compatibility tests
// (client/crypto/tests/polkadot_js.rs runs this script and compares).
//
//   node crypto-compat.mjs derive <count>        random SURIs and their addresses (JSON array)
//   node crypto-compat.mjs export-json <password> a fresh account exported as polkadot.js JSON
//   node crypto-compat.mjs import-json <password> read JSON on stdin, decode it, sign, print
//
// Addresses use the generic SS58 prefix 42. Output is one JSON document on stdout.

import { Keyring } from '@polkadot/keyring';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate, signatureVerify, randomAsHex } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';

const SS58 = 42;
const SIGNED_MESSAGE = 'ichat-crypto polkadot.js compatibility';

function randomPath(i) {
  const pieces = ['//hard', '/soft', '//0', '/1', '//42', '//Alice', '/x', '//ichat', '//' + randomAsHex(4).slice(2), '/' + (i * 7919)];
  let path = '';
  const n = i % 4; // 0..3 junctions
  for (let j = 0; j < n; j++) {
    path += pieces[(i * 31 + j * 17) % pieces.length];
  }
  if (i % 5 === 3) {
    path += '///pw' + i;
  }
  return path;
}

function withChildPath(suri, child) {
  const at = suri.indexOf('///');
  return at < 0 ? suri + child : suri.slice(0, at) + child + suri.slice(at);
}

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58 });
  const [cmd, arg] = process.argv.slice(2);

  if (cmd === 'derive') {
    const count = Number(arg || '20');
    const out = [];
    for (let i = 0; i < count; i++) {
      const phrase = mnemonicGenerate(i % 2 === 0 ? 24 : 12);
      const suri = phrase + randomPath(i);
      const child = withChildPath(suri, '//ichat//x25519//0');
      out.push({
        suri,
        address: keyring.addFromUri(suri).address,
        chatChildSuri: child,
        chatChildAddress: keyring.addFromUri(child).address,
      });
    }
    console.log(JSON.stringify(out));
  } else if (cmd === 'export-json') {
    const phrase = mnemonicGenerate(24);
    const suri = phrase + '//json/1';
    const pair = keyring.addFromUri(suri, { name: 'from polkadot.js' });
    const json = pair.toJson(arg);
    console.log(JSON.stringify({ suri, address: pair.address, json }));
  } else if (cmd === 'import-json') {
    const json = JSON.parse(readFileSync(0, 'utf8'));
    const pair = keyring.addFromJson(json);
    pair.decodePkcs8(arg);
    const signature = pair.sign(stringToU8a(SIGNED_MESSAGE));
    const { isValid } = signatureVerify(SIGNED_MESSAGE, signature, pair.publicKey);
    console.log(JSON.stringify({
      address: keyring.encodeAddress(pair.publicKey, SS58),
      name: pair.meta.name,
      message: SIGNED_MESSAGE,
      signature: u8aToHex(signature),
      selfVerified: isValid,
    }));
  } else {
    console.error(`unknown command ${cmd}`);
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(1);
});
