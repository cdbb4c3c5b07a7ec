// polkadot.js compatibility check: connect to an iChat node with @polkadot/api and no custom
// types, read the chain properties and a balance, and print them as one JSON line.
//
// Usage: node check-chain.mjs ws://127.0.0.1:9944 [address]
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const url = process.argv[2];
if (!url) {
  console.error('usage: node check-chain.mjs WS_URL [ADDRESS]');
  process.exit(2);
}

await cryptoWaitReady();
const provider = new WsProvider(url, 1000, {}, 30_000);
const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
try {
  const props = (await api.rpc.system.properties()).toJSON();
  const ss58 = api.registry.chainSS58;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: ss58 });
  const who = process.argv[3] ?? keyring.addFromUri('//Alice').address;
  const account = await api.query.system.account(who);
  const header = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
  console.log(JSON.stringify({
    chain: (await api.rpc.system.chain()).toString(),
    properties: props,
    registry: { ss58, decimals: api.registry.chainDecimals, tokens: api.registry.chainTokens },
    address: who,
    free: account.data.free.toString(),
    finalized: header.number.toNumber(),
    pallets: api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString()),
  }));
} finally {
  await api.disconnect();
}
