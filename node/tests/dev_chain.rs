//! End to end: the real `ichat-node --dev --tmp` produces and finalizes blocks and moves iChat.

use anyhow::{ensure, Context, Result};
use ichat_testnet::{wait_for_finalized, Client, Testnet};
use std::{path::Path, time::Duration};
use subxt::dynamic;
use subxt_signer::sr25519::{dev, Keypair};

/// The part of `frame_system::AccountInfo` we read.
#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountInfo {
	data: AccountData,
}

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountData {
	free: u128,
}

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Transfer {
	from: [u8; 32],
	to: [u8; 32],
	amount: u128,
}

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct TransactionFeePaid {
	who: [u8; 32],
	actual_fee: u128,
	tip: u128,
}

async fn free_balance(client: &Client, who: [u8; 32]) -> Result<u128> {
	let at = client.at_current_block().await?;
	let addr = dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let value = at.storage().fetch(addr, (who,)).await.context("System.Account")?;
	Ok(value.decode()?.data.free)
}

fn account(k: &Keypair) -> [u8; 32] {
	k.public_key().0
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_finalizes_blocks_and_transfers_ichat() -> Result<()> {
	let bin = Path::new(env!("CARGO_BIN_EXE_ichat-node"));
	let mut net = Testnet::dev(bin)?;
	let node = &mut net.nodes[0];
	let client = node.client(Duration::from_secs(120)).await?;

	// The chain produces and finalizes blocks.
	wait_for_finalized(&client, 2, Duration::from_secs(120))
		.await
		.with_context(|| format!("dev node log tail:\n{}", node.log_tail(20)))?;

	// A fresh account receives iChat from Alice.
	let alice = dev::alice();
	let recipient = Keypair::from_secret_key(rand_secret())?;
	let amount: u128 = 1_234 * 1_000_000_000_000; // 1,234 ICHAT

	let alice_before = free_balance(&client, account(&alice)).await?;
	ensure!(free_balance(&client, account(&recipient)).await? == 0, "recipient is fresh");

	let call = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(recipient.public_key().to_address::<()>(), amount),
	);
	let events = client
		.tx()
		.await?
		.sign_and_submit_then_watch_default(&call, &alice)
		.await?
		.wait_for_finalized_success()
		.await
		.context("the transfer was not finalized successfully")?;

	let transfer = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Balances" && e.event_name() == "Transfer")
		.context("no Balances.Transfer event")?
		.decode_fields_unchecked_as::<Transfer>()?;
	ensure!(transfer.from == account(&alice), "event names Alice as sender");
	ensure!(transfer.to == account(&recipient), "event names the recipient");
	ensure!(transfer.amount == amount, "event carries the amount");

	let fee = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "TransactionPayment" && e.event_name() == "TransactionFeePaid")
		.context("no TransactionPayment.TransactionFeePaid event")?
		.decode_fields_unchecked_as::<TransactionFeePaid>()?;
	ensure!(fee.who == account(&alice) && fee.tip == 0 && fee.actual_fee > 0, "fee paid by Alice");

	// Both balances moved by exactly the amount (plus Alice's fee).
	let recipient_after = free_balance(&client, account(&recipient)).await?;
	ensure!(recipient_after == amount, "recipient holds {recipient_after}, expected {amount}");
	let alice_after = free_balance(&client, account(&alice)).await?;
	ensure!(
		alice_before - alice_after == amount + fee.actual_fee,
		"Alice paid {} but sent {amount} with fee {}",
		alice_before - alice_after,
		fee.actual_fee
	);
	Ok(())
}

fn rand_secret() -> [u8; 32] {
	let mut s = [0u8; 32];
	getrandom::fill(&mut s).expect("OS randomness");
	s
}
