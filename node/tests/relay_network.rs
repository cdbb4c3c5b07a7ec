//! End to end: the relay network of the real 6-node local chain (`ichat-node` binaries, each
//! running its relay on 127.0.0.1:40333+i with the identity registered at genesis), driven by
//! the relay client library. Covers sections 4 to 7 of the relay issue: delivery through 5
//! nodes stored once and delivered once, offline drop, burn after reading on every node,
//! refusals (other accounts, forged presence, replay, stale, malformed frames), survival of a
//! crash and restart, expiry, 4 of 5 listen nodes killed, and mesh admission of registry
//! peers only.

use std::{
	io::{Read, Write},
	sync::Arc,
	time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use ichat_crypto::{Account, Suri};
use ichat_relay_client::{
	chat, sign, ClientConfig, Incoming, Messenger, MessengerConfig, NodeAddress, RelayClient,
};
use ichat_relay_proto::{
	AccountId, ClientMessage, ErrorCode, FetchBody, Frame, PresenceBody, Request, Response,
	RoutingId,
};
use ichat_runtime::genesis_config_presets::{dev_relay_port, DEV_RELAY_KEYS};
use ichat_testnet::{node_binary, NodeProcess, Testnet};
use tokio::sync::mpsc;

/// Unread lifetime given to the nodes, so expiry is observable within the test.
const TTL_SECS: u64 = 45;

fn dev_node(i: usize) -> NodeAddress {
	let public = libp2p::identity::ed25519::PublicKey::try_from_bytes(&DEV_RELAY_KEYS[i])
		.expect("a valid key");
	NodeAddress {
		peer_id: libp2p::identity::PublicKey::from(public).to_peer_id(),
		addrs: vec![format!("/ip4/127.0.0.1/tcp/{}", dev_relay_port(i)).parse().expect("addr")],
	}
}

fn account(suri: &str) -> Arc<Account> {
	Arc::new(Account::from_suri(&Suri::parse(suri).expect("suri")).expect("account"))
}

fn routing(a: &Account) -> RoutingId {
	RoutingId::for_account(&AccountId(a.id().0))
}

/// Sum of the samples of metric `name` on `node` (0 when absent or unreachable).
fn metric(node: &NodeProcess, name: &str) -> f64 {
	let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", node.prometheus_port)) else {
		return 0.0;
	};
	let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
	let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
	let mut body = String::new();
	let _ = s.read_to_string(&mut body);
	body.lines()
		.filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
		.filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
		.sum()
}

fn metric_sum(net: &Testnet, name: &str) -> f64 {
	net.nodes.iter().take(6).map(|n| metric(n, name)).sum()
}

async fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) -> Result<()> {
	let deadline = Instant::now() + Duration::from_secs(secs);
	while Instant::now() < deadline {
		if cond() {
			return Ok(());
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
	bail!("timed out after {secs} s waiting for {what}")
}

async fn recv(rx: &mut mpsc::Receiver<Incoming>, secs: u64) -> Option<Incoming> {
	tokio::time::timeout(Duration::from_secs(secs), rx.recv()).await.ok().flatten()
}

fn messenger_config() -> MessengerConfig {
	MessengerConfig {
		maintenance_interval: Duration::from_millis(500),
		..MessengerConfig::default()
	}
}

async fn unread_on(client: &RelayClient, node: &NodeAddress, who: &Account) -> Result<usize> {
	client.add_node(node);
	Ok(client.fetch(node.peer_id, who, 0, 64).await?.messages.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relay_network_end_to_end() -> Result<()> {
	let bin = node_binary()?;
	let ttl = TTL_SECS.to_string();
	// No testers: their probes would show in the relay counters this test checks exactly.
	let mut net = Testnet::local_with_args(
		&bin,
		"local",
		6,
		&["--relay-unread-ttl", &ttl, "--relay-no-tester"],
	)?;
	let nodes: Vec<NodeAddress> = (0..6).map(dev_node).collect();
	// Every relay has measured the other five (it lists them in `nodes`).
	wait_for("the relays to see each other", 120, || {
		net.nodes.iter().all(|n| metric(n, "ichat_relay_peers") == 5.0)
	})
	.await
	.with_context(|| net.nodes[0].log_tail(30))?;
	let probe = RelayClient::start(ClientConfig::default())?;

	// ---- 4. Delivery: 5 entry nodes, stored once per listen node, delivered once ----
	let (alice, bob, carol) = (account("//Alice"), account("//Bob"), account("//Carol"));
	let (alice_m, mut alice_rx) =
		Messenger::start(alice.clone(), vec![nodes[0].clone()], messenger_config()).await?;
	let (bob_m, _bob_rx) =
		Messenger::start(bob.clone(), vec![nodes[5].clone()], messenger_config()).await?;
	ensure!(alice_m.in_use().len() == 5, "alice on 5 nodes: {:?}", alice_m.in_use());
	let binding = bob_m.lookup(routing(&alice)).await?.context("alice online")?;
	let report = bob_m
		.send(chat::seal_text(&bob, &binding, "hello over the real network")?)
		.await;
	ensure!(report.accepted_by.len() == 5 && report.stored_on.len() == 5, "{report:?}");
	let id = report.message_id.context("id")?;
	let got = recv(&mut alice_rx, 10).await.context("alice got the message")?;
	ensure!(got.message_id == id);
	ensure!(chat::open(&alice, &got.envelope)?.body == b"hello over the real network".to_vec());
	ensure!(recv(&mut alice_rx, 2).await.is_none(), "a second copy reached alice");
	ensure!(
		metric_sum(&net, "ichat_relay_accepted_total") == 5.0,
		"stored once on each listen node"
	);
	for peer in alice_m.in_use() {
		let node = nodes.iter().find(|n| n.peer_id == peer).context("a dev node")?;
		ensure!(unread_on(&probe, node, &alice).await? == 1, "{peer} holds it once");
	}

	// Burn after reading: after the ack no node holds it.
	alice_m.ack(vec![id]).await?;
	for node in &nodes {
		ensure!(unread_on(&probe, node, &alice).await? == 0, "{} still holds it", node.peer_id);
	}
	ensure!(metric_sum(&net, "ichat_relay_acked_total") == 5.0);

	// ---- 4. Offline recipient: dropped, never stored, the sender told ----
	let carol_binding = carol.bind_chat_key(&carol.chat_key(0)?);
	let report = bob_m.send(chat::seal_text(&bob, &carol_binding, "carol?")?).await;
	ensure!(report.offline && !report.accepted(), "{report:?}");
	ensure!(metric_sum(&net, "ichat_relay_dropped_offline_total") == 5.0);
	ensure!(metric_sum(&net, "ichat_relay_accepted_total") == 5.0, "nothing stored for carol");

	// ---- 7. Security ----
	// A node that holds alice's mail: one of her listen nodes (she picked 5 of the 6 by RTT,
	// so the first dev node is not always among them).
	let listen_node = nodes
		.iter()
		.find(|n| alice_m.in_use().contains(&n.peer_id))
		.context("a listen node of alice")?;
	let report = bob_m.send(chat::seal_text(&bob, &binding, "private")?).await;
	let private_id = report.message_id.context("accepted")?;
	let mallory = account("//Mallory");
	ensure!(unread_on(&probe, listen_node, &mallory).await? == 0, "mallory reads only her own box");
	ensure!(probe.ack(listen_node.peer_id, &mallory, vec![private_id]).await? == 0);
	let code =
		|r: Result<Response, ichat_relay_client::ClientError>| r.err().and_then(|e| e.code());
	let mut forged =
		sign::sign(&mallory, FetchBody { cursor: 0, limit: 8 }, ichat_relay_client::now_ms())?;
	forged.auth.account = AccountId(alice.id().0);
	ensure!(
		code(probe.request(listen_node.peer_id, Request::Fetch(forged)).await)
			== Some(ErrorCode::BadSignature)
	);
	let signed =
		sign::sign(&alice, FetchBody { cursor: 0, limit: 8 }, ichat_relay_client::now_ms())?;
	let first = probe.request(listen_node.peer_id, Request::Fetch(signed.clone())).await?;
	ensure!(matches!(&first, Response::Fetched { messages, .. } if messages.len() == 1));
	ensure!(
		code(probe.request(listen_node.peer_id, Request::Fetch(signed)).await)
			== Some(ErrorCode::Replay)
	);
	let stale = sign::sign(
		&alice,
		FetchBody { cursor: 0, limit: 8 },
		ichat_relay_client::now_ms() - 300_000,
	)?;
	ensure!(
		code(probe.request(listen_node.peer_id, Request::Fetch(stale)).await)
			== Some(ErrorCode::StaleTimestamp)
	);
	let now = ichat_relay_client::now_ms();
	let fake = PresenceBody {
		binding: binding.to_bytes().to_vec(),
		expires_at_ms: now + 60_000,
		listen: vec![listen_node.to_wire()?],
	};
	let fake = sign::sign(&mallory, fake, now)?;
	ensure!(
		code(probe.request(listen_node.peer_id, Request::Presence(fake)).await)
			== Some(ErrorCode::BadPresence)
	);
	for garbage in
		[vec![0u8; 1], vec![1, 0x07, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 1, 2], vec![9; 40]]
	{
		let answer = probe.request_raw(listen_node.peer_id, garbage).await?;
		let frame = Frame::<ClientMessage>::decode(&answer)?;
		ensure!(matches!(frame.message, ClientMessage::Response(Response::Error(_))));
	}
	probe
		.ping(listen_node.peer_id)
		.await
		.context("the node still serves after malformed frames")?;
	alice_m.ack(vec![private_id]).await?;

	// ---- 1. Mesh admission: a relay that is not in the registry is refused ----
	let (outsider_idx, _) = net.add_node(
		&bin,
		"outsider",
		&[
			"--relay-port",
			"40350",
			"--relay-listen-ip",
			"127.0.0.1",
			"--relay-key-suri",
			"//Outsider//ichat-relay",
		],
	)?;
	net.nodes[outsider_idx].client(Duration::from_secs(60)).await?;
	let outsider_key =
		<sp_core::ed25519::Pair as sp_core::Pair>::from_string("//Outsider//ichat-relay", None)
			.map_err(|e| anyhow::anyhow!("{e:?}"))?;
	let outsider = NodeAddress {
		peer_id: libp2p::identity::Keypair::ed25519_from_bytes(outsider_key.seed())?
			.public()
			.to_peer_id(),
		addrs: vec!["/ip4/127.0.0.1/tcp/40350".parse()?],
	};
	let refused_before = metric_sum(&net, "ichat_relay_refused_peers_total");
	probe.add_node(&outsider);
	let mut via_outsider = None;
	for _ in 0..40 {
		match probe
			.send(outsider.peer_id, chat::seal_text(&bob, &binding, "via outsider")?)
			.await
		{
			Err(e) if e.code().is_none() => tokio::time::sleep(Duration::from_millis(500)).await,
			other => {
				via_outsider = Some(other);
				break;
			},
		}
	}
	let via_outsider = via_outsider.context("the outsider relay never answered")?;
	ensure!(
		via_outsider.as_ref().err().and_then(|e| e.code()) == Some(ErrorCode::RecipientOffline),
		"the outsider cannot reach the home swarm: {via_outsider:?}"
	);
	ensure!(metric_sum(&net, "ichat_relay_refused_peers_total") > refused_before);
	// Substrate's logger writes stderr from a background thread (every 50 ms, later under load),
	// so the line may reach the log file after the metric moved.
	wait_for("the refusal to be logged with its reason", 10, || {
		(0..6).any(|i| {
			std::fs::read_to_string(net.nodes[i].log_path())
				.unwrap_or_default()
				.contains("refused mesh request: peer is not an active service node")
		})
	})
	.await?;
	net.nodes[outsider_idx].stop();

	// ---- 6. A crash after "accepted" loses nothing; the store survives a restart ----
	let holder_peer = alice_m.in_use()[0];
	let holder = nodes.iter().position(|n| n.peer_id == holder_peer).context("holder")?;
	alice_m.close(); // alice goes quiet; her presence record is still live
	let report = bob_m.send(chat::seal_text(&bob, &binding, "read me after the crash")?).await;
	let unread_id = report.message_id.context("accepted")?;
	ensure!(report.stored_on.contains(&holder_peer), "{report:?}");
	let accepted_at = Instant::now();
	net.nodes[holder].kill(); // SIGKILL right after the answer
	net.nodes[holder].restart()?;
	let mut fetched = None;
	for _ in 0..60 {
		match probe.fetch(holder_peer, &alice, 0, 64).await {
			Ok(page) => {
				fetched = Some(page);
				break;
			},
			Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
		}
	}
	let page = fetched.context("the restarted relay never answered")?;
	ensure!(page.messages.len() == 1 && page.messages[0].id() == unread_id, "survived: {page:?}");

	// ---- 5. Unread messages are deleted after their lifetime (TTL_SECS here) ----
	let deadline = accepted_at + Duration::from_secs(TTL_SECS + 40);
	loop {
		let left = unread_on(&probe, &nodes[holder], &alice).await.unwrap_or(1);
		if left == 0 {
			break;
		}
		ensure!(Instant::now() < deadline, "not swept {} s after acceptance", TTL_SECS + 40);
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	ensure!(Instant::now() >= accepted_at + Duration::from_secs(TTL_SECS - 5), "swept too early");
	// `fetch` stops serving it at its deadline; the sweeper deletes it within its interval.
	wait_for("the sweeper to delete the expired message", 30, || {
		metric(&net.nodes[holder], "ichat_relay_expired_total") >= 1.0
	})
	.await?;

	// ---- 6. With 4 of the recipient's 5 nodes killed, delivery still succeeds ----
	let (alice_m, mut alice_rx) =
		Messenger::start(alice.clone(), nodes.clone(), messenger_config()).await?;
	let in_use = alice_m.in_use();
	ensure!(in_use.len() == 5);
	for peer in in_use.iter().take(4) {
		let i = nodes.iter().position(|n| n.peer_id == *peer).context("dev node")?;
		net.nodes[i].kill();
	}
	let report = bob_m.send(chat::seal_text(&bob, &binding, "four nodes down")?).await;
	ensure!(report.accepted(), "{report:?}");
	let got = recv(&mut alice_rx, 15).await.context("delivered through the last node")?;
	ensure!(chat::open(&alice, &got.envelope)?.body == b"four nodes down".to_vec());
	alice_m.close();
	bob_m.close();
	Ok(())
}
