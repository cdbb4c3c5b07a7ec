//! What every command gets: the resolved settings, the output, and helpers to reach the
//! keystore and the chain.

use anyhow::Result;
use ichat_crypto::{account::AccountId, Account};

use crate::{
	chain::{self, Chain},
	cli::GlobalArgs,
	config::Settings,
	keystore::Keystore,
	output::Output,
};

/// The run's settings and output, shared by every command.
#[derive(Debug, Clone)]
pub struct Context {
	/// Flags, config file and defaults, resolved.
	pub settings: Settings,
	/// Where results, notes and spinners go.
	pub out: Output,
}

/// An account to read about: an address, possibly one of the keystore's accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
	/// The account id.
	pub id: AccountId,
	/// The keystore name, when it is a local account.
	pub name: Option<String>,
}

impl Context {
	/// Load the config file and resolve it with the global flags.
	pub fn load(global: &GlobalArgs) -> Result<Context> {
		Ok(Context { settings: Settings::load(global)?, out: Output::new(global.json) })
	}

	/// The keystore in `$ICHAT_HOME/accounts`.
	pub fn keystore(&self) -> Keystore {
		Keystore::new(self.settings.accounts_dir())
	}

	/// The name of the account to act as: `--account`, the config's `account`, or the only
	/// account in the keystore.
	pub fn account_name(&self) -> Result<String> {
		Ok(self.keystore().select(self.settings.account.as_deref())?)
	}

	/// Unlock the account to act as (password from `ICHAT_PASSWORD` or a prompt).
	pub fn unlock(&self) -> Result<(String, Account)> {
		let name = self.account_name()?;
		let account = self.keystore().unlock_interactive(&name)?;
		Ok((name, account))
	}

	/// An address argument: an SS58/hex address, a keystore account name, or (when `None`) the
	/// account to act as.
	pub fn target(&self, text: Option<&str>) -> Result<Target> {
		let ks = self.keystore();
		match text {
			None => {
				let name = self.account_name()?;
				Ok(Target { id: ks.account_id(&name)?, name: Some(name) })
			},
			Some(t) => match chain::parse_address(t) {
				Ok(id) => Ok(Target { name: ks.find_by_id(&id).ok().flatten(), id }),
				Err(_) if ks.exists(t) => {
					Ok(Target { id: ks.account_id(t)?, name: Some(t.to_owned()) })
				},
				Err(_) if crate::keystore::validate_name(t).is_ok() => Err(anyhow::anyhow!(
					"{t:?} is neither an address nor an account in your keystore (see `ichat account list`)"
				)),
				Err(e) => Err(e),
			},
		}
	}

	/// Connect to the configured node (`--rpc`), with a spinner while connecting.
	pub async fn connect(&self) -> Result<Chain> {
		let spinner = self.out.spinner(&format!("connecting to {}…", self.settings.rpc));
		let chain = chain::connect(&self.settings.rpc).await;
		spinner.finish();
		chain
	}
}
