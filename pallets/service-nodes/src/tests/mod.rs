//! Unit tests of the service-node registry, by topic.
//!
//! Tests run through [`ExtBuilder::build_and_execute`], which checks the pallet's `try_state`
//! invariants after the test (and [`start_session`] checks them at every block). The exceptions
//! are the genesis tests that expect the build to panic and `try_state.rs`, which breaks the state
//! on purpose to show each invariant catches what it describes.

mod admin;
mod bond;
mod endpoint;
mod genesis;
mod multiaddr;
mod queries;
mod register;
mod session;
mod try_state;
mod unbond;

use crate::{
	mock::*, peer_id, Event, HoldReason, NodeStatus, Nodes, PeerIds, QueuedNodes, ServiceNodeOf,
};
use frame_support::traits::fungible::InspectHold;

/// The amount `who` holds under the pallet's bond reason, read straight from pallet-balances.
fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ServiceNodes(HoldReason::ServiceNodeBond), &who)
}

/// The validators of the current session, as pallet-session sees them.
fn validators() -> Vec<AccountId> {
	Session::validators()
}

/// The validators queued for the next session, as pallet-session sees them.
fn queued_validators() -> Vec<AccountId> {
	Session::queued_keys().into_iter().map(|(who, _)| who).collect()
}

/// The pallet's planned set (for the next session).
fn queued_nodes() -> Vec<AccountId> {
	QueuedNodes::<Test>::get().into_inner()
}

/// The registry record of `who`; panics if it has none.
fn node(who: AccountId) -> ServiceNodeOf<Test> {
	Nodes::<Test>::get(who).expect("node is registered")
}

/// The status of `who`'s node; panics if it has none.
fn status(who: AccountId) -> NodeStatus {
	node(who).status
}

/// Whether the pallet deposited `event`.
fn has_event(event: Event<Test>) -> bool {
	service_node_events().contains(&event)
}

/// Whether the peer id of test account `who` is registered, and to whom.
fn peer_owner(who: AccountId) -> Option<AccountId> {
	PeerIds::<Test>::get(peer_arg(who))
}
