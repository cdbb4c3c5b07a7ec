// polkadot.js reads the service-node registry with no custom types: the registered nodes
// (storage), the active set (storage and the ServiceNodesApi runtime API), and the
// ServiceNodes events of one block. Prints one JSON line; accounts as 0x-hex public keys.
//
// Usage: node check-registry.mjs WS_URL [BLOCK_HASH]
import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';

const [url, blockHash] = process.argv.slice(2);
if (!url) {
  console.error('usage: node check-registry.mjs WS_URL [BLOCK_HASH]');
  process.exit(2);
}

const provider = new WsProvider(url, 1000, {}, 30_000);
const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
try {
  const hex = (account) => u8aToHex(account.toU8a());
  const nodes = (await api.query.serviceNodes.nodes.entries()).map(([key, node]) => ({
    account: hex(key.args[0]),
    node: node.toJSON(),
  }));
  const activeStorage = (await api.query.serviceNodes.activeNodes()).map(hex);
  const activeApi = (await api.call.serviceNodesApi.activeNodes()).map((n) => ({
    account: hex(n.account),
    peerId: u8aToHex(n.peerId),
    bond: n.bond.toString(),
  }));
  let events = [];
  if (blockHash) {
    const at = await api.at(blockHash);
    events = (await at.query.system.events())
      .filter(({ event }) => event.section === 'serviceNodes')
      .map(({ event }) => ({ method: event.method, data: event.data.toJSON() }));
  }
  console.log(JSON.stringify({ nodes, activeStorage, activeApi, events }));
} finally {
  await api.disconnect();
}
